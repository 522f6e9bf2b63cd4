import pg from 'pg';
import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('credentials handshake', () => {
  let hub: Hub;
  const partners: FakePartner[] = [];
  const partner = async (o: Parameters<typeof startFakePartner>[0]) => {
    const p = await startFakePartner(o);
    partners.push(p);
    return p;
  };

  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(async () => {
    await Promise.all(partners.map((p) => p.close()));
    await hub?.close();
  });

  it('2.2.1: registers with token A, calls the partner with token B (Base64) and kills token A', async () => {
    const cpo = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB1', role: 'CPO' }], acceptEncoding: 'base64', sendEncoding: 'base64' });
    const { tokenA, versionsUrl } = await hub.connect(cpo);
    expect(versionsUrl).toMatch(/\/ocpi\/emsp-face\/versions$/);
    const res = await cpo.register(versionsUrl, tokenA);
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    const data = res.body.data as { token: string; roles: { role: string }[] };
    expect(data.roles).toEqual([expect.objectContaining({ role: 'HUB', country_code: 'DE', party_id: 'HUB' })]);
    expect(data.token).not.toBe(tokenA);
    // The hub called our versions and details with token B, Base64 encoded.
    const versionCalls = cpo.received.filter((r) => r.path === '/versions' || r.path === '/2.2.1');
    expect(versionCalls).toHaveLength(2);
    for (const call of versionCalls) expect(call.headers.authorization).toBe(`Token ${Buffer.from(cpo.tokenB).toString('base64')}`);
    // Token A is dead; token C works, in both forms.
    const credsUrl = cpo.hubUrl('credentials');
    expect((await cpo.fetchJson('GET', credsUrl, undefined, tokenA)).status).toBe(401);
    const current = await cpo.fetchJson('GET', credsUrl);
    expect(current.body).toMatchObject({ status_code: 1000, data: { token: data.token } });
    const plain = await fetch(credsUrl, { headers: { Authorization: `Token ${data.token}` } });
    expect(plain.status).toBe(200);
  });

  it('2.1.1: an eMSP registers on the CPO face with plain tokens', async () => {
    const emsp = await partner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'EM1', role: 'EMSP' }], acceptEncoding: 'plain' });
    const { tokenA, versionsUrl } = await hub.connect(emsp);
    expect(versionsUrl).toMatch(/\/ocpi\/cpo-face\/versions$/);
    const res = await emsp.register(versionsUrl, tokenA);
    expect(res.body).toMatchObject({ status_code: 1000, data: { party_id: 'HUB', country_code: 'DE', url: versionsUrl } });
    expect(emsp.received.find((r) => r.path === '/versions')?.headers.authorization).toBe(`Token ${emsp.tokenB}`);
    expect(emsp.hubEndpoints.map((e) => e.identifier)).toEqual(expect.arrayContaining(['credentials', 'locations', 'tokens']));
  });

  it('answers 405 on a second POST, and on PUT/DELETE before registration', async () => {
    const cpo = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB2', role: 'CPO' }] });
    const { tokenA, versionsUrl } = await hub.connect(cpo);
    const credsUrl = versionsUrl.replace('emsp-face/versions', '2.2.1/credentials');
    expect((await cpo.fetchJson('PUT', credsUrl, cpo.credentials(), tokenA)).status).toBe(405);
    expect((await cpo.fetchJson('DELETE', credsUrl, undefined, tokenA)).status).toBe(405);
    await cpo.register(versionsUrl, tokenA);
    const again = await cpo.fetchJson('POST', credsUrl, cpo.credentials());
    expect(again.status).toBe(405);
  });

  it('PUT rotates the token, re-fetches the endpoints and keeps the old token only in the grace period', async () => {
    const cpo = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB3', role: 'CPO' }] });
    await hub.register(cpo);
    const oldToken = cpo.tokenC!;
    const before = cpo.received.filter((r) => r.path === '/2.2.1').length;
    const credsUrl = cpo.hubUrl('credentials');
    const res = await cpo.fetchJson('PUT', credsUrl, cpo.credentials());
    expect(res.body.status_code).toBe(1000);
    const newToken = (res.body.data as { token: string }).token;
    expect(newToken).not.toBe(oldToken);
    expect(cpo.received.filter((r) => r.path === '/2.2.1').length).toBe(before + 1);
    expect((await cpo.fetchJson('GET', credsUrl, undefined, newToken)).status).toBe(200);
    // Within the grace period the old token still works (default 10 min).
    expect((await cpo.fetchJson('GET', credsUrl, undefined, oldToken)).status).toBe(200);
  });

  it('DELETE unregisters: the token stops working', async () => {
    const cpo = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB4', role: 'CPO' }] });
    await hub.register(cpo);
    const credsUrl = cpo.hubUrl('credentials');
    expect((await cpo.fetchJson('DELETE', credsUrl)).body.status_code).toBe(1000);
    expect((await cpo.fetchJson('GET', credsUrl)).status).toBe(401);
  });

  it('3001 when the partner cannot be called, 3002 without a common version, 3003 without required endpoints', async () => {
    const unreachable = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB5', role: 'CPO' }] });
    const c1 = await hub.connect(unreachable);
    await unreachable.close();
    partners.splice(partners.indexOf(unreachable), 1);
    const credsUrl = c1.versionsUrl.replace('emsp-face/versions', '2.2.1/credentials');
    const r1 = await unreachable.fetchJson('POST', credsUrl, unreachable.credentials(), c1.tokenA);
    expect(r1.body.status_code).toBe(3001);

    const old = await partner({ version: '2.2.1', versions: ['2.0'], parties: [{ countryCode: 'NL', partyId: 'AB6', role: 'CPO' }] });
    const c2 = await hub.connect(old);
    expect((await old.fetchJson('POST', credsUrl, old.credentials(), c2.tokenA)).body.status_code).toBe(3002);

    const partial = await partner({ version: '2.2.1', modules: ['credentials', 'locations'], parties: [{ countryCode: 'NL', partyId: 'AB7', role: 'CPO' }] });
    const c3 = await hub.connect(partial);
    expect((await partial.fetchJson('POST', credsUrl, partial.credentials(), c3.tokenA)).body.status_code).toBe(3003);
    // Nothing was registered by the failures: token A still works for versions.
    expect((await partial.fetchJson('GET', c3.versionsUrl, undefined, c3.tokenA)).status).toBe(200);
  });

  it('refuses credentials for parties the operator did not register (2001) and a missing token (401)', async () => {
    const cpo = await partner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'AB8', role: 'CPO' }] });
    const c = await hub.connect(cpo);
    const credsUrl = c.versionsUrl.replace('emsp-face/versions', '2.2.1/credentials');
    const body = { ...cpo.credentials(), roles: [{ role: 'CPO', business_details: { name: 'x' }, party_id: 'ZZZ', country_code: 'NL' }] };
    const res = await cpo.fetchJson('POST', credsUrl, body, c.tokenA);
    expect(res.body.status_code).toBe(2001);
    const none = await fetch(credsUrl);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ status_code: 2000 });
  });

  it('keeps tokens encrypted at rest and audits every outbound call', async () => {
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT our_token_enc, our_token_hmac FROM ocpi_connection WHERE our_token_enc IS NOT NULL`);
      const tokens = partners.map((p) => p.tokenC).filter(Boolean);
      for (const r of rows) for (const t of tokens) expect(JSON.stringify(r)).not.toContain(t);
      const audited = async () => (await client.query(`SELECT count(*)::int AS n FROM ocpi_outbound_call WHERE request_id IS NOT NULL AND module = 'versions'`)).rows[0].n > 0;
      expect(await eventually(audited)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
