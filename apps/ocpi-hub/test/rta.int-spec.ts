import pg from 'pg';
import { eventually } from '@cpo/testing';
import { sampleToken221 } from '@cpo/ocpi-protocol';
import { startFakePartner, ok, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const now = () => new Date().toISOString();
const authorizePath = (uid: string) => new RegExp(`^/tokens(/sender)?/${uid}/authorize$`);
const anyAuthorize = /\/authorize$/;

describe('real-time authorisation', () => {
  let hub: Hub;
  let cpo: FakePartner; // 2.2.1 NL/RT1
  let cpo211: FakePartner; // 2.1.1 NL/RT2
  let eA: FakePartner; // answers HTTP 404
  let eB: FakePartner; // answers 2004, BLOCKED for BLOCKED1
  let eC: FakePartner; // 2.1.1: ALLOWED for GOOD1, "unknown" 2000 otherwise
  let eD: FakePartner; // never answers in time

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'RT1', role: 'CPO' }] });
    cpo211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'RT2', role: 'CPO' }] });
    eA = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EA1', role: 'EMSP' }] });
    eB = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EB1', role: 'EMSP' }] });
    eC = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'EC1', role: 'EMSP' }] });
    eD = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'ED1', role: 'EMSP' }] });
    eA.on('POST', anyAuthorize, () => ({ status: 404, body: { status_code: 2004, timestamp: now() } }));
    eB.on('POST', anyAuthorize, () => ({ body: { status_code: 2004, timestamp: now() } }));
    eB.on('POST', authorizePath('BLOCKED1'), () => ({ body: ok({ allowed: 'BLOCKED', token: sampleToken221({ uid: 'BLOCKED1' }) }) }));
    eC.on('POST', anyAuthorize, () => ({ body: { status_code: 2000, status_message: 'Unknown token', timestamp: now() } }));
    eC.on('POST', authorizePath('GOOD1'), () => ({ delayMs: 50, body: ok({ allowed: 'ALLOWED', authorization_reference: 'ref-c', info: { language: 'en', text: 'welcome' } }) }));
    eD.on('POST', anyAuthorize, () => ({ delayMs: 1500, body: ok({ allowed: 'ALLOWED' }) }));
    for (const p of [cpo, cpo211, eA, eB, eC, eD]) await hub.register(p);
    for (const e of [eA, eB, eC]) {
      await hub.agree(cpo, e);
      await hub.agree(cpo211, e);
    }
    await hub.agree(cpo, eD, { rtaOnTimeout: 'ALLOW', rtaTimeoutMs: 300 });
    await hub.agree(cpo211, eD, { rtaOnTimeout: 'DENY', rtaTimeoutMs: 300 });
  });
  afterAll(async () => {
    await Promise.all([cpo, cpo211, eA, eB, eC, eD].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const authorize = (p: FakePartner, uid: string, body: unknown = { location_id: 'LOC1' }) => p.fetchJson('POST', `${p.hubUrl('tokens', 'SENDER')}/${uid}/authorize`, body);

  it('unknown token: 404 and 2004 and "unknown" from others, ALLOWED from one → ALLOWED, reference kept, mapping stored', async () => {
    const res = await authorize(cpo, 'GOOD1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 1000, data: { allowed: 'ALLOWED', authorization_reference: 'ref-c' } });
    for (const e of [eA, eB, eC, eD]) expect(e.calls('tokens', 'POST').some((c) => c.path.includes('/GOOD1/authorize'))).toBe(true);
    const asked = eC.calls('tokens', 'POST').find((c) => c.path.includes('/GOOD1/'))!;
    expect(asked.body).toEqual({ location_id: 'LOC1' });
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT emsp_party_id, authorization_reference, location_id FROM ocpi_token_route WHERE token_uid = 'GOOD1'`);
      expect(rows).toEqual([{ emsp_party_id: 'EC1', authorization_reference: 'ref-c', location_id: 'LOC1' }]);
    } finally {
      await client.end();
    }
  });

  it('unknown everywhere (or timed out): HTTP 404 with 2004 and no data on 2.2.1, 404 with 2000 on 2.1.1 — never allowed', async () => {
    const res = await authorize(cpo, 'NOBODY');
    expect(res.status).toBe(404);
    expect(res.body.status_code).toBe(2004);
    expect(res.body).not.toHaveProperty('data');
    const old = await authorize(cpo211, 'NOBODY');
    expect(old.status).toBe(404);
    expect(old.body.status_code).toBe(2000);
  });

  it('a refusal is answered with HTTP 200, 1000 and the eMSP’s allowed value', async () => {
    const res = await authorize(cpo, 'BLOCKED1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 1000, data: { allowed: 'BLOCKED' } });
  });

  it('a known token goes only to its owner; its timeout follows the agreement policy (ALLOW / DENY)', async () => {
    const token = sampleToken221({ uid: 'KNOWN1', countryCode: 'FR', partyId: 'ED1' });
    expect((await eD.fetchJson('PUT', `${eD.hubUrl('tokens', 'RECEIVER')}/FR/ED1/KNOWN1?type=RFID`, token)).body.status_code).toBe(1000);
    const allowed = await authorize(cpo, 'KNOWN1');
    expect(allowed.body).toMatchObject({ status_code: 1000, data: { allowed: 'ALLOWED', authorization_reference: expect.any(String) } });
    expect(eA.calls('tokens', 'POST').some((c) => c.path.includes('/KNOWN1/'))).toBe(false);
    const denied = await authorize(cpo211, 'KNOWN1');
    expect(denied.body).toMatchObject({ status_code: 1000, data: { allowed: 'NOT_ALLOWED' } });
  });

  it('refuses malformed LocationReferences with 2001 and a non-CPO asker with 2001', async () => {
    expect((await authorize(cpo, 'GOOD1', { evse_uids: 'not-a-list' })).body.status_code).toBe(2001);
    expect((await authorize(eA, 'GOOD1')).body.status_code).toBe(2001);
  });

  it('tokens pushed by an eMSP are broadcast to its CPOs and readable from the cache', async () => {
    const token = sampleToken221({ uid: 'SHARED1', countryCode: 'FR', partyId: 'EB1' });
    expect((await eB.fetchJson('PUT', `${eB.hubUrl('tokens', 'RECEIVER')}/FR/EB1/SHARED1?type=RFID`, token)).body.status_code).toBe(1000);
    expect(await eventually(() => cpo.calls('tokens', 'PUT').some((c) => c.path === '/tokens/FR/EB1/SHARED1' && c.query.get('type') === 'RFID'))).toBe(true);
    expect(await eventually(() => cpo211.calls('tokens', 'PUT').some((c) => c.path === '/tokens/FR/EB1/SHARED1'))).toBe(true);
    expect(eA.calls('tokens', 'PUT')).toHaveLength(0);
    const list = await cpo.fetchJson('GET', cpo.hubUrl('tokens', 'SENDER'));
    expect((list.body.data as { uid: string }[]).map((t) => t.uid)).toEqual(expect.arrayContaining(['SHARED1', 'KNOWN1']));
    const old = await cpo211.fetchJson('GET', cpo211.hubUrl('tokens', 'SENDER'));
    expect((old.body.data as { uid: string; party_id: string }[]).find((t) => t.uid === 'SHARED1')).toMatchObject({ party_id: 'EB1' });
  });
});
