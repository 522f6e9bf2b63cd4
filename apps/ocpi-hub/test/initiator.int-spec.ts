import { eventually } from '@cpo/testing';
import { ok, startFakePartner, type FakePartner, type Received } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

/** The partner side of a registration the hub initiates: it calls the hub back, then answers its credentials. */
function answerCredentials(p: FakePartner, seen: { versionsStatus?: number; hubToken?: string }, refuse = false) {
  p.on('POST', /^\/credentials$/, async (r: Received) => {
    const hub = r.body as { token: string; url: string };
    seen.hubToken = hub.token;
    // Mirrored step 4: still inside the POST, the partner reads the hub's versions with the token it got.
    const versions = await fetch(hub.url, { headers: { Authorization: `Token ${Buffer.from(hub.token).toString('base64')}` } });
    seen.versionsStatus = versions.status;
    if (refuse) return { body: { status_code: 2000, status_message: 'we do not know you', timestamp: new Date().toISOString() } };
    const list = ((await versions.json()) as { data: { version: string; url: string }[] }).data;
    p.hubDetailsUrl = list.find((v) => v.version === p.options.version)!.url;
    p.tokenC = hub.token;
    return { body: ok(p.credentials()) };
  });
}

describe('the hub as initiator of a registration (operator gives the partner’s versions URL and token A)', () => {
  let hub: Hub;
  let emsp: FakePartner; // 2.2.1 FR/INI
  let refusing: FakePartner; // 2.2.1 FR/REF
  let cpo: FakePartner; // 2.2.1 NL/ICP, registers the usual way

  beforeAll(async () => {
    hub = await startHub();
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'INI', role: 'EMSP' }] });
    refusing = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'REF', role: 'EMSP' }] });
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'ICP', role: 'CPO' }] });
    await hub.register(cpo);
  });
  afterAll(async () => {
    await Promise.all([emsp, refusing, cpo].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  it('fetches versions and details with token A, posts our credentials, stores the partner’s token; both sides can then call each other', async () => {
    const seen: { versionsStatus?: number } = {};
    answerCredentials(emsp, seen);
    const connection = await hub.connect(emsp);
    const res = await hub.api('POST', `connections/${connection.id}/register`, { versionsUrl: emsp.versionsUrl, tokenA: emsp.tokenA });
    expect(res).toMatchObject({ status: 200, body: { id: connection.id, status: 'CONNECTED', version: '2.2.1' } });

    const tokenA = `Token ${Buffer.from(emsp.tokenA).toString('base64')}`;
    expect(emsp.received.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/versions', tokenA],
      ['GET', '/2.2.1', tokenA],
      ['POST', '/credentials', tokenA],
    ]);
    expect(emsp.calls('credentials', 'POST')[0].body).toMatchObject({ url: connection.versionsUrl, roles: [{ role: 'HUB', party_id: 'HUB', country_code: 'DE' }] });
    // Our token was valid while the partner handled the POST, and on functional modules afterwards.
    expect(seen.versionsStatus).toBe(200);
    await emsp.refreshHubEndpoints();
    expect((await emsp.fetchJson('GET', emsp.hubUrl('locations', 'SENDER'))).body.status_code).toBe(1000);
    // The hub's own token A of the connection is dead now.
    expect((await emsp.fetchJson('GET', connection.versionsUrl, undefined, connection.tokenA)).status).toBe(401);

    // The hub calls the partner with the token the partner answered (its token B here), e.g. ClientInfo on an agreement.
    await hub.agree(cpo, emsp);
    expect(await eventually(() => emsp.calls('hubclientinfo', 'PUT').length === 1)).toBe(true);
    expect(emsp.calls('hubclientinfo', 'PUT')[0].headers.authorization).toBe(`Token ${Buffer.from(emsp.tokenB).toString('base64')}`);

    // Registered: the operator cannot start it again (the partner updates it with PUT credentials).
    expect((await hub.api('POST', `connections/${connection.id}/register`, { versionsUrl: emsp.versionsUrl, tokenA: emsp.tokenA })).status).toBe(409);
  });

  it('a partner that refuses our credentials: an error for the operator, nothing registered, the token we offered is not valid', async () => {
    const seen: { hubToken?: string } = {};
    answerCredentials(refusing, seen, true);
    const connection = await hub.connect(refusing);
    const res = await hub.api('POST', `connections/${connection.id}/register`, { versionsUrl: refusing.versionsUrl, tokenA: refusing.tokenA });
    expect(res.status).toBe(503);
    expect(String(res.body.message)).toMatch(/refused our credentials/);
    expect((await hub.api('GET', `connections/${connection.id}`)).body).toMatchObject({ status: 'PLANNED', version: null });
    expect((await refusing.fetchJson('GET', connection.versionsUrl, undefined, seen.hubToken)).status).toBe(401);
    // Bad input and unknown connections.
    expect((await hub.api('POST', `connections/${connection.id}/register`, { versionsUrl: 'ftp://x', tokenA: 'a' })).status).toBe(400);
    expect((await hub.api('POST', 'connections/00000000-0000-4000-8000-000000000000/register', { versionsUrl: refusing.versionsUrl, tokenA: 'a' })).status).toBe(404);
  });
});
