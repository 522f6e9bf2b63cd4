import { sampleLocation211 } from '@cpo/ocpi-protocol';
import { DataSource } from 'typeorm';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const session221 = (id: string, o: { ref?: string; contractId?: string; uid?: string } = {}) => ({
  country_code: 'NL',
  party_id: 'SC1',
  id,
  start_date_time: '2024-07-01T10:00:00Z',
  kwh: 0,
  cdr_token: { uid: o.uid ?? 'UID-1', type: 'RFID', contract_id: o.contractId ?? 'FR-EZZ-C0001' },
  auth_method: 'AUTH_REQUEST',
  ...(o.ref ? { authorization_reference: o.ref } : {}),
  location_id: 'LOC1',
  evse_uid: '3256',
  connector_id: '1',
  currency: 'EUR',
  status: 'ACTIVE',
  last_updated: '2024-07-01T10:00:00Z',
});

const session211 = (id: string, authId: string) => ({
  id,
  start_datetime: '2024-07-01T10:00:00Z',
  kwh: 1.5,
  auth_id: authId,
  auth_method: 'WHITELIST',
  location: sampleLocation211(),
  currency: 'EUR',
  status: 'ACTIVE',
  last_updated: '2024-07-01T10:05:00Z',
});

const cdr211 = (id: string, authId: string) => ({
  id,
  start_date_time: '2024-07-01T10:00:00Z',
  stop_date_time: '2024-07-01T11:00:00Z',
  auth_id: authId,
  auth_method: 'WHITELIST',
  location: sampleLocation211(),
  currency: 'EUR',
  charging_periods: [{ start_date_time: '2024-07-01T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }] }],
  total_cost: 4,
  total_energy: 10,
  total_time: 1,
  last_updated: '2024-07-01T11:00:00Z',
});

describe('sessions and CDRs: single-eMSP routing', () => {
  let hub: Hub;
  let cpo: FakePartner; // 2.2.1 NL/SC1
  let cpo211: FakePartner; // 2.1.1 NL/SC2
  let ex: FakePartner; // 2.2.1 FR/EXA
  let tnm: FakePartner; // 2.1.1 NL/TNM
  let ezz: FakePartner; // 2.2.1 FR/EZZ

  beforeAll(async () => {
    hub = await startHub();
    cpo = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'SC1', role: 'CPO' }] });
    cpo211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'SC2', role: 'CPO' }] });
    ex = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EXA', role: 'EMSP' }] });
    tnm = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'TNM', role: 'EMSP' }] });
    ezz = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EZZ', role: 'EMSP' }] });
    ex.on('POST', /\/TOK-X\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'ref-x' }) }));
    for (const p of [cpo, cpo211, ex, tnm, ezz]) await hub.register(p);
    for (const e of [ex, tnm, ezz]) await hub.agree(cpo, e);
    await hub.agree(cpo211, tnm);
    await hub.agree(cpo211, ex);
  });
  afterAll(async () => {
    await Promise.all([cpo, cpo211, ex, tnm, ezz].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const sessionUrl = (p: FakePartner, suffix: string) => `${p.hubUrl('sessions', 'RECEIVER')}/${suffix}`;

  it('a session follows the authorization_reference of the real-time authorisation, and only there', async () => {
    const auth = await cpo.fetchJson('POST', `${cpo.hubUrl('tokens', 'SENDER')}/TOK-X/authorize`, { location_id: 'LOC1' });
    expect(auth.body.data).toMatchObject({ allowed: 'ALLOWED', authorization_reference: 'ref-x' });
    const res = await cpo.fetchJson('PUT', sessionUrl(cpo, 'NL/SC1/S1'), session221('S1', { ref: 'ref-x', uid: 'TOK-X' }));
    expect(res.body.status_code).toBe(1000);
    expect(ex.calls('sessions', 'PUT').map((c) => c.path)).toEqual(['/sessions/NL/SC1/S1']);
    expect(ezz.calls('sessions')).toHaveLength(0);
    expect(tnm.calls('sessions')).toHaveLength(0);
    // The PATCH goes the same way.
    const patch = await cpo.fetchJson('PATCH', sessionUrl(cpo, 'NL/SC1/S1'), { kwh: 3.2, last_updated: '2024-07-01T10:30:00Z' });
    expect(patch.body.status_code).toBe(1000);
    expect(ex.calls('sessions', 'PATCH').map((c) => c.body)).toEqual([{ kwh: 3.2, last_updated: '2024-07-01T10:30:00Z' }]);
  });

  it('a 2.1.1 session without headers goes to the eMSP of its auth_id prefix only, never broadcast', async () => {
    const res = await cpo211.fetchJson('PUT', sessionUrl(cpo211, 'NL/SC2/S2'), session211('S2', 'NLTNM0000001'));
    expect(res.body.status_code).toBe(1000);
    expect(tnm.calls('sessions', 'PUT').map((c) => c.path)).toEqual(['/sessions/NL/SC2/S2']);
    expect(tnm.calls('sessions', 'PUT')[0].body).toMatchObject({ country_code: 'NL', party_id: 'SC2', last_updated: '2024-07-01T10:05:00Z' });
    expect(ex.calls('sessions').filter((c) => c.path.includes('/S2'))).toHaveLength(0);
  });

  it('the eMSP’s own 2xxx answer comes back to the CPO unchanged', async () => {
    ezz.on('PUT', /\/sessions\/NL\/SC1\/S3$/, () => ({ body: { status_code: 2001, status_message: 'we do not like it', timestamp: new Date().toISOString() } }));
    const res = await cpo.fetchJson('PUT', sessionUrl(cpo, 'NL/SC1/S3'), session221('S3', { contractId: 'FR-EZZ-C0003', uid: 'OTHER' }));
    expect(res.body).toMatchObject({ status_code: 2001, status_message: 'we do not like it' });
  });

  it('a 2.1.1 CDR is forwarded to its eMSP; the CPO gets a Location at the hub’s copy', async () => {
    const res = await cpo211.fetchJson('POST', cpo211.hubUrl('cdrs'), cdr211('CDR1', 'NLTNM0000001'));
    expect(res.body.status_code).toBe(1000);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/\/ocpi\/emsp-face\/2\.1\.1\/cdrs\/NL\/SC2\/CDR1$/);
    expect(tnm.calls('cdrs', 'POST')).toHaveLength(1);
    const copy = await cpo211.fetchJson('GET', location);
    expect(copy.body).toMatchObject({ status_code: 1000, data: { id: 'CDR1', total_energy: 10 } });
    expect((await cpo211.fetchJson('POST', cpo211.hubUrl('cdrs'), cdr211('CDR1', 'NLTNM0000001'))).body.status_code).toBe(2001);
  });

  it('an owner that cannot be resolved: 4001 on 2.2.1, 3000 with the meaning on 2.1.1, nothing stored', async () => {
    const res = await cpo.fetchJson('PUT', sessionUrl(cpo, 'NL/SC1/S9'), session221('S9', { contractId: 'XX-QQQ-C0009', uid: 'NOBODY' }));
    expect(res.body.status_code).toBe(4001);
    expect((await cpo.fetchJson('GET', sessionUrl(cpo, 'NL/SC1/S9'))).status).toBe(404);
    const old = await cpo211.fetchJson('POST', cpo211.hubUrl('cdrs'), cdr211('CDR9', 'XXQQQ0009'));
    expect(old.body.status_code).toBe(3000);
    expect(old.body.status_message).toMatch(/^hub 4001/);
  });

  it('eMSPs read only their own sessions from the cache; date_from is required', async () => {
    const url = `${ex.hubUrl('sessions', 'SENDER')}?date_from=2024-01-01T00:00:00Z`;
    const mine = await ex.fetchJson('GET', url);
    expect((mine.body.data as { id: string }[]).map((s) => s.id)).toEqual(['S1']);
    const theirs = await tnm.fetchJson('GET', `${tnm.hubUrl('sessions')}?date_from=2024-01-01T00:00:00Z`);
    expect((theirs.body.data as { id: string }[]).map((s) => s.id)).toEqual(['S2']);
    expect((await ex.fetchJson('GET', ex.hubUrl('sessions', 'SENDER'))).body.status_code).toBe(2001);
  });

  it('a 2.2.1 eMSP gets a 2.1.1 CPO’s Session and CDR with a CdrToken naming itself, pushed and read', async () => {
    const token = { country_code: 'FR', party_id: 'EXA', uid: 'FR-EXA-C0004', type: 'RFID', contract_id: 'FR-EXA-C0004' };
    expect((await cpo211.fetchJson('PUT', sessionUrl(cpo211, 'NL/SC2/S4'), session211('S4', 'FR-EXA-C0004'))).body.status_code).toBe(1000);
    expect(ex.calls('sessions', 'PUT').find((c) => c.path === '/sessions/NL/SC2/S4')?.body).toMatchObject({ country_code: 'NL', party_id: 'SC2', cdr_token: token });
    expect((await cpo211.fetchJson('POST', cpo211.hubUrl('cdrs'), cdr211('CDR4', 'FR-EXA-C0004'))).body.status_code).toBe(1000);
    expect(ex.calls('cdrs', 'POST')[0]?.body).toMatchObject({ id: 'CDR4', cdr_token: token });
    // Read from the hub's cache by the eMSP, the same.
    const sessions = await ex.fetchJson('GET', `${ex.hubUrl('sessions', 'SENDER')}?date_from=2024-01-01T00:00:00Z`);
    expect((sessions.body.data as { id: string }[]).find((s) => s.id === 'S4')).toMatchObject({ cdr_token: token });
    const cdrs = await ex.fetchJson('GET', ex.hubUrl('cdrs', 'SENDER'));
    expect((cdrs.body.data as { id: string }[]).find((c) => c.id === 'CDR4')).toMatchObject({ cdr_token: token });
  });

  it('a CPO that changed version PATCHes its stored Session like with like, and a PUT replaces it in the new version', async () => {
    // NL/SC2 pushed S6 on 2.2.1 before it re-registered on 2.1.1: the hub holds a 2.2.1 object.
    const db = hub.t.app.get(DataSource);
    const stored = { ...session221('S6', { uid: 'FR-EXA-C0006', contractId: 'FR-EXA-C0006' }), party_id: 'SC2' };
    await db.query(
      `INSERT INTO ocpi_object (module, country_code, party_id, object_id, data, source_version, last_updated, audience) VALUES ('sessions', 'NL', 'SC2', 'S6', $1, '2.2.1', $2, 'FR*EXA')`,
      [JSON.stringify(stored), stored.last_updated],
    );
    const row = async () => (await db.query(`SELECT data, source_version FROM ocpi_object WHERE module = 'sessions' AND country_code = 'NL' AND party_id = 'SC2' AND object_id = 'S6'`))[0];
    const patch = { end_datetime: '2024-07-01T11:00:00Z', status: 'COMPLETED', last_updated: '2024-07-01T11:00:00Z' };
    expect((await cpo211.fetchJson('PATCH', sessionUrl(cpo211, 'NL/SC2/S6'), patch)).body.status_code).toBe(1000);
    const patched = await row();
    expect(patched.source_version).toBe('2.2.1');
    expect(patched.data).toMatchObject({ end_date_time: '2024-07-01T11:00:00Z', status: 'COMPLETED', cdr_token: stored.cdr_token });
    expect(patched.data).not.toHaveProperty('end_datetime');

    // A full PUT in 2.1.1 shape is a 2.1.1 object now: read by the 2.2.1 eMSP, it is converted.
    expect((await cpo211.fetchJson('PUT', sessionUrl(cpo211, 'NL/SC2/S6'), session211('S6', 'FR-EXA-C0006'))).body.status_code).toBe(1000);
    expect((await row()).source_version).toBe('2.1.1');
    const sessions = await ex.fetchJson('GET', `${ex.hubUrl('sessions', 'SENDER')}?date_from=2024-01-01T00:00:00Z`);
    const read = (sessions.body.data as Record<string, unknown>[]).find((x) => x.id === 'S6');
    expect(read).toMatchObject({ start_date_time: '2024-07-01T10:00:00Z', cdr_token: { country_code: 'FR', party_id: 'EXA', contract_id: 'FR-EXA-C0006' } });
    expect(read).not.toHaveProperty('start_datetime');
  });

  it('a 2.2.1 CPO reading back its Session stored in 2.1.1 shape gets a CdrToken naming the eMSP it belongs to', async () => {
    // NL/SC1 pushed S7 on 2.1.1 before it re-registered on 2.2.1; the hub delivered it to FR/EXA.
    const db = hub.t.app.get(DataSource);
    const stored = session211('S7', 'FR-EXA-C0007');
    await db.query(
      `INSERT INTO ocpi_object (module, country_code, party_id, object_id, data, source_version, last_updated, audience) VALUES ('sessions', 'NL', 'SC1', 'S7', $1, '2.1.1', $2, 'FR*EXA')`,
      [JSON.stringify(stored), stored.last_updated],
    );
    const res = await cpo.fetchJson('GET', sessionUrl(cpo, 'NL/SC1/S7'));
    expect(res.body.status_code).toBe(1000);
    expect(res.body.data).toMatchObject({ id: 'S7', cdr_token: { country_code: 'FR', party_id: 'EXA', uid: 'FR-EXA-C0007', contract_id: 'FR-EXA-C0007' } });
  });
});
