import pg from 'pg';
import { eventually } from '@cpo/testing';
import { sampleEvse221, sampleLocation211, sampleLocation221 } from '@cpo/ocpi-protocol';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

const HUB_TO = { 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'HUB' };
const from = (cc: string, pid: string) => ({ 'OCPI-from-country-code': cc, 'OCPI-from-party-id': pid });

describe('locations: push, broadcast, cache reads', () => {
  let hub: Hub;
  let cpa: FakePartner; // 2.2.1 CPO NL/CPA
  let cpb: FakePartner; // 2.1.1 CPO NL/CPB
  let ema: FakePartner; // 2.2.1 eMSP FR/EMA, agreed with CPA and CPB
  let emb: FakePartner; // 2.1.1 eMSP FR/EMB, agreed with CPA and CPB
  let emc: FakePartner; // 2.2.1 eMSP FR/EMC, no agreement

  beforeAll(async () => {
    hub = await startHub();
    cpa = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'NL', partyId: 'CPA', role: 'CPO' }] });
    cpb = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'NL', partyId: 'CPB', role: 'CPO' }] });
    ema = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EMA', role: 'EMSP' }] });
    emb = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'EMB', role: 'EMSP' }] });
    emc = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'EMC', role: 'EMSP' }] });
    for (const p of [cpa, cpb, ema, emb, emc]) await hub.register(p);
    await hub.agree(cpa, ema);
    await hub.agree(cpa, emb);
    await hub.agree(cpb, ema);
    await hub.agree(cpb, emb);
  });
  afterAll(async () => {
    await Promise.all([cpa, cpb, ema, emb, emc].filter(Boolean).map((p) => p.close()));
    await hub?.close();
  });

  const receiverUrl = (p: FakePartner, suffix: string) => `${p.hubUrl('locations', 'RECEIVER')}/${suffix}`;
  const senderUrl = (p: FakePartner, suffix = '') => `${p.hubUrl('locations', 'SENDER')}${suffix}`;

  it('2.2.1 broadcast PUT: 1000 to the pusher, the same last_updated to every agreed eMSP, nothing to others', async () => {
    const loc = sampleLocation221({ countryCode: 'NL', partyId: 'CPA', id: 'LOC1', lastUpdated: '2024-06-29T20:39:09Z' });
    const res = await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/LOC1'), loc, undefined, { ...HUB_TO, ...from('NL', 'CPA'), 'X-Correlation-ID': 'corr-1', 'X-Request-ID': 'req-1' });
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(await eventually(() => ema.calls('locations', 'PUT').length === 1 && emb.calls('locations', 'PUT').length === 1)).toBe(true);
    const [toA] = ema.calls('locations', 'PUT');
    expect(toA.path).toBe('/locations/NL/CPA/LOC1');
    expect(toA.headers['ocpi-from-party-id']).toBe('HUB');
    expect(toA.headers['ocpi-to-party-id']).toBe('EMA');
    expect(toA.headers['x-correlation-id']).toBe('corr-1');
    expect(toA.headers['x-request-id']).not.toBe('req-1');
    expect((toA.body as { last_updated: string }).last_updated).toBe('2024-06-29T20:39:09Z');
    const [toB] = emb.calls('locations', 'PUT');
    expect(toB.path).toBe('/locations/NL/CPA/LOC1');
    expect(toB.body).toMatchObject({ country_code: 'NL', party_id: 'CPA', id: 'LOC1', last_updated: '2024-06-29T20:39:09Z' });
    expect(toB.headers['ocpi-to-party-id']).toBeUndefined();
    expect(emc.calls('locations')).toHaveLength(0);
  });

  it('2.1.1 PUT without headers: owner from the connection, stored and back-ported for 2.2.1 readers', async () => {
    const loc = sampleLocation211({ id: 'LOC1', lastUpdated: '2024-07-01T08:00:00Z' });
    const res = await cpb.fetchJson('PUT', receiverUrl(cpb, 'NL/CPB/LOC1'), loc);
    expect(res.body.status_code).toBe(1000);
    expect(await eventually(() => ema.calls('locations', 'PUT').some((c) => c.path === '/locations/NL/CPB/LOC1'))).toBe(true);
    const put = ema.calls('locations', 'PUT').find((c) => c.path === '/locations/NL/CPB/LOC1')!;
    expect(put.body).toMatchObject({ country_code: 'NL', party_id: 'CPB', last_updated: '2024-07-01T08:00:00Z' });
  });

  it('PATCH of an EVSE is merged in the cache and forwarded as the same PATCH', async () => {
    const patch = { status: 'CHARGING', last_updated: '2024-06-30T10:00:00Z' };
    const res = await cpa.fetchJson('PATCH', receiverUrl(cpa, 'NL/CPA/LOC1/3256'), patch, undefined, HUB_TO);
    expect(res.body.status_code).toBe(1000);
    expect(await eventually(() => ema.calls('locations', 'PATCH').length === 1)).toBe(true);
    expect(ema.calls('locations', 'PATCH')[0]).toMatchObject({ path: '/locations/NL/CPA/LOC1/3256', body: patch });
    const evse = await ema.fetchJson('GET', senderUrl(ema, '/LOC1/3256'), undefined, undefined, { 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPA' });
    expect(evse.body).toMatchObject({ status_code: 1000, data: { uid: '3256', status: 'CHARGING', last_updated: '2024-06-30T10:00:00Z' } });
    const back = await cpa.fetchJson('GET', receiverUrl(cpa, 'NL/CPA/LOC1'));
    expect(back.body.data).toMatchObject({ last_updated: '2024-06-30T10:00:00Z' });
  });

  it('adds an EVSE by PUT, the parent last_updated taken from the child', async () => {
    const evse = sampleEvse221('777', '2024-06-30T11:00:00Z');
    expect((await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/LOC1/777'), evse)).body.status_code).toBe(1000);
    const back = await cpa.fetchJson('GET', receiverUrl(cpa, 'NL/CPA/LOC1'));
    expect(back.body.data).toMatchObject({ last_updated: '2024-06-30T11:00:00Z' });
    expect((back.body.data as { evses: unknown[] }).evses).toHaveLength(2);
  });

  it('refuses bad pushes with the right codes and stores nothing', async () => {
    const base = sampleLocation221({ countryCode: 'NL', partyId: 'CPA', id: 'BAD1' });
    const cases: [string, string, unknown, Record<string, string>, number, number][] = [
      ['PUT', 'NL/CPA/BAD1', { ...base, id: 'OTHER' }, {}, 200, 2001],
      ['PUT', 'NL/CPA/BAD1', { ...base, party_id: 'XYZ' }, {}, 200, 2001],
      ['PUT', 'NL/CPA/BAD1', base, from('NL', 'XYZ'), 200, 2001],
      ['PUT', 'NL/CPA/BAD1', { ...base, coordinates: { latitude: 'north' } }, {}, 200, 2001],
      ['PUT', 'NL/XYZ/BAD1', { ...base, party_id: 'XYZ' }, {}, 404, 2000],
      ['PATCH', 'NL/CPA/LOC1', { name: 'no timestamp' }, {}, 200, 2001],
      ['PUT', 'NL/CPA/BAD1', '{"id": ', {}, 400, 2000],
      ['GET', 'NL/CPA/LOC1', undefined, HUB_TO, 200, 2001],
    ];
    for (const [method, suffix, body, headers, http, code] of cases) {
      const res = await cpa.fetchJson(method, receiverUrl(cpa, suffix), body, undefined, headers);
      expect({ suffix, http: res.status, code: res.body.status_code }).toEqual({ suffix, http, code });
      if (http === 200) expect(res.body.timestamp).toEqual(expect.any(String));
    }
    expect((await cpa.fetchJson('GET', receiverUrl(cpa, 'NL/CPA/BAD1'))).status).toBe(404);
    const loc1 = await cpa.fetchJson('GET', receiverUrl(cpa, 'NL/CPA/LOC1'));
    expect(loc1.body.data).not.toHaveProperty('name', 'no timestamp');
    // A 2.1.1 PATCH without last_updated is accepted; last_updated stays as it was.
    expect((await cpb.fetchJson('PATCH', receiverUrl(cpb, 'NL/CPB/LOC1'), { name: 'Renamed' })).body.status_code).toBe(1000);
    const b = await cpb.fetchJson('GET', receiverUrl(cpb, 'NL/CPB/LOC1'));
    expect(b.body.data).toMatchObject({ name: 'Renamed', last_updated: '2024-07-01T08:00:00Z' });
  });

  it('GET-all merges every agreed CPO, attributes owners, and makes no outbound call', async () => {
    const before = cpa.received.length + cpb.received.length;
    const res = await ema.fetchJson('GET', senderUrl(ema), undefined, undefined, HUB_TO);
    expect(res.body.status_code).toBe(1000);
    const owners = (res.body.data as { party_id: string; id: string }[]).map((l) => `${l.party_id}/${l.id}`).sort();
    expect(owners).toEqual(['CPA/LOC1', 'CPB/LOC1']);
    expect(cpa.received.length + cpb.received.length).toBe(before);
    // Without an agreement: nothing, and no single read either.
    const none = await emc.fetchJson('GET', senderUrl(emc));
    expect(none.body.data).toEqual([]);
    expect(none.headers.get('x-total-count')).toBe('0');
    expect((await emc.fetchJson('GET', senderUrl(emc, '/LOC1'))).status).toBe(404);
  });

  it('2.1.1 single GET without TO for an id two CPOs use → 2001; with TO → the object, back-ported', async () => {
    const amb = await emb.fetchJson('GET', senderUrl(emb, '/LOC1'));
    expect(amb.body.status_code).toBe(2001);
    const one = await emb.fetchJson('GET', senderUrl(emb, '/LOC1'), undefined, undefined, { 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPB' });
    expect(one.body).toMatchObject({ status_code: 1000, data: { id: 'LOC1', country_code: 'NL', party_id: 'CPB', name: 'Renamed' } });
  });

  it('a receiver that is down: the pusher still gets 1000, the receiver is marked needs-resync and reads the cache', async () => {
    emb.on('PUT', /^\/locations\/NL\/CPA\/LOC2$/, () => ({ status: 500, body: { status_code: 3000, timestamp: new Date().toISOString() } }));
    const loc = sampleLocation221({ countryCode: 'NL', partyId: 'CPA', id: 'LOC2' });
    expect((await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/LOC2'), loc, undefined, HUB_TO)).body.status_code).toBe(1000);
    const embConn = async () => ((await hub.api('GET', 'connections')).body as unknown as { name: string; needsResync: boolean }[]).find((c) => c.name === 'fake-EMB');
    expect(await eventually(async () => (await embConn())?.needsResync === true)).toBe(true);
    const got = await emb.fetchJson('GET', senderUrl(emb, '/LOC2'));
    expect(got.body).toMatchObject({ status_code: 1000, data: { id: 'LOC2' } });
  });

  it('party-to-party: a PUT with TO = one eMSP goes only there and its 2xxx answer comes back unchanged', async () => {
    ema.on('PUT', /^\/locations\/NL\/CPA\/DIRECT$/, () => ({ body: { status_code: 2003, status_message: 'not for us', timestamp: new Date().toISOString() } }));
    const loc = sampleLocation221({ countryCode: 'NL', partyId: 'CPA', id: 'DIRECT' });
    const before = emb.calls('locations').length;
    const res = await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/DIRECT'), loc, undefined, { 'OCPI-to-country-code': 'FR', 'OCPI-to-party-id': 'EMA', ...from('NL', 'CPA') });
    expect(res.body).toMatchObject({ status_code: 2003, status_message: 'not for us' });
    const call = ema.calls('locations', 'PUT').find((c) => c.path.endsWith('/DIRECT'))!;
    expect(call.headers['ocpi-from-party-id']).toBe('CPA');
    expect(emb.calls('locations').length).toBe(before);
    // To a party without an agreement: 4001.
    const unknown = await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/DIRECT'), loc, undefined, { 'OCPI-to-country-code': 'FR', 'OCPI-to-party-id': 'EMC' });
    expect(unknown.body.status_code).toBe(4001);
  });

  it('an unpublished Location reaches only the parties in publish_allowed_to', async () => {
    const loc = { ...sampleLocation221({ countryCode: 'NL', partyId: 'CPA', id: 'PRIV' }), publish: false, publish_allowed_to: [{ country_code: 'FR', party_id: 'EMA' }] };
    expect((await cpa.fetchJson('PUT', receiverUrl(cpa, 'NL/CPA/PRIV'), loc)).body.status_code).toBe(1000);
    expect(await eventually(() => ema.calls('locations', 'PUT').some((c) => c.path.endsWith('/PRIV')))).toBe(true);
    expect(emb.calls('locations', 'PUT').some((c) => c.path.endsWith('/PRIV'))).toBe(false);
    expect((await emb.fetchJson('GET', senderUrl(emb, '/PRIV'))).status).toBe(404);
    expect((await ema.fetchJson('GET', senderUrl(ema, '/PRIV'))).body.status_code).toBe(1000);
  });

  it('converts shapes between versions on broadcast and on reads (connector voltage ↔ max_voltage, type ↔ parking_type)', async () => {
    type Loc = { id: string; party_id: string; type?: string; parking_type?: string; publish?: boolean; evses: { connectors: Record<string, unknown>[] }[] };
    const fromB = ema.calls('locations', 'PUT').find((c) => c.path === '/locations/NL/CPB/LOC1')!.body as Loc;
    expect(fromB).toMatchObject({ parking_type: 'ON_STREET', publish: true });
    expect(fromB.evses[0].connectors[0]).toMatchObject({ max_voltage: 220, max_amperage: 16 });
    expect(fromB.evses[0].connectors[0]).not.toHaveProperty('voltage');
    const fromA = emb.calls('locations', 'PUT').find((c) => c.path === '/locations/NL/CPA/LOC1')!.body as Loc;
    expect(fromA.evses[0].connectors[0]).toMatchObject({ voltage: 220, amperage: 16 });
    expect(fromA).toMatchObject({ type: 'UNKNOWN' });
    expect(fromA).not.toHaveProperty('publish');
    // Reads: each reader gets its own version's shape of every owner's objects.
    const asOld = (await emb.fetchJson('GET', senderUrl(emb))).body.data as Loc[];
    expect(asOld.find((l) => l.party_id === 'CPA')!.evses[0].connectors[0]).toHaveProperty('voltage', 220);
    const asNew = (await ema.fetchJson('GET', senderUrl(ema))).body.data as Loc[];
    expect(asNew.find((l) => l.party_id === 'CPB')!.evses[0].connectors[0]).toHaveProperty('max_voltage', 220);
  });

  it('a page served from the page cache changes as soon as the object changes, also when written outside this replica', async () => {
    const names = async () => ((await ema.fetchJson('GET', senderUrl(ema))).body.data as { id: string; party_id: string; name?: string }[]).map((l) => `${l.party_id}/${l.name}`).sort();
    const first = await names();
    expect(await names()).toEqual(first);
    // Another replica (or the sync job) writes: only PostgreSQL's notification tells this one.
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      await client.query(`UPDATE ocpi_object SET data = jsonb_set(data, '{name}', '"Written elsewhere"') WHERE module = 'locations' AND party_id = 'CPA' AND object_id = 'LOC1'`);
    } finally {
      await client.end();
    }
    expect(await eventually(async () => (await names()).includes('CPA/Written elsewhere'), 3000)).toBe(true);
    // A push through this replica is visible to the very next read.
    expect((await cpb.fetchJson('PATCH', receiverUrl(cpb, 'NL/CPB/LOC1'), { name: 'Pushed' })).body.status_code).toBe(1000);
    expect(await names()).toContain('CPB/Pushed');
  });
});
