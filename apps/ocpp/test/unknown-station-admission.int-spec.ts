import { api, RawClient, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

/**
 * Unknown identities under the registering policies: a connection refused for its subprotocol
 * registers nothing, and under `pending` the stations registered by their own connection that no
 * operator has set yet are capped (OCPP_PENDING_STATIONS_MAX).
 */
describe.each(['pending', 'auto-register'] as const)('unknown stations under %s', (policy) => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: policy, OCPP_PENDING_STATIONS_MAX: '3' });
  });
  afterAll(async () => {
    await h.close();
  });

  const stationStatus = async (id: string) => (await api(h, 'GET', `/api/v1/stations/${id}`)).status;
  const connectedEvents = (id: string) => h.events.of('ocpp.station.connected', id).length;

  it('a connection refused for its subprotocol registers no station and publishes nothing; a correct one registers', async () => {
    const missing = uniqueStation('NOPROTO');
    const withoutHeader = await RawClient.open(`${h.wsUrl}/${missing}`, []);
    expect(await withoutHeader.closed).toMatchObject({ code: 1002 });
    const wrong = uniqueStation('WRONGPROTO');
    // The handshake completes without the header; the ws client refuses that itself (0).
    expect(await upgradeStatus(`${h.wsUrl}/${wrong}`, 'ocpp0.1')).toBe(0);
    const good = uniqueStation('GOODPROTO');
    const charger = await RawClient.open(`${h.wsUrl}/${good}`);
    try {
      expect(await stationStatus(good)).toBe(200);
      expect(await stationStatus(missing)).toBe(404);
      expect(await stationStatus(wrong)).toBe(404);
      expect(connectedEvents(missing) + connectedEvents(wrong)).toBe(0);
    } finally {
      charger.close();
    }
  });

  it('the count before each new identity reads an index of the self-registered stations, not every station row', async () => {
    // Run for every unknown identity (a storm of made-up ones included): without a partial index it
    // scanned the whole station table, operator-created stations too, to count at most the bound.
    const plan: { 'QUERY PLAN': string }[] = await h.db.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      return m.query(`EXPLAIN SELECT count(*) FROM (SELECT 1 FROM stations WHERE auto_registered AND registration_status = 'Pending' LIMIT 3) waiting`);
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan using stations_self_registered/);
    expect(text).not.toMatch(/Filter/);
  });

  it('under auto-register there is no bound: every new identity registers (it runs every identity; a bound would turn real chargers away)', async () => {
    if (policy !== 'auto-register') return;
    for (let i = 0; i < 4; i++) {
      const id = uniqueStation('AUTO');
      expect(await upgradeStatus(`${h.wsUrl}/${id}`)).toBe(101);
      expect(await stationStatus(id)).toBe(200);
    }
  });

  it('under pending, with the cap reached a new identity is refused (404); a known station still connects; an operator setting one frees a slot', async () => {
    if (policy !== 'pending') return;
    // One slot is taken by the station the previous test registered.
    const first = [uniqueStation('Q'), uniqueStation('Q')];
    for (const id of first) expect(await upgradeStatus(`${h.wsUrl}/${id}`)).toBe(101);
    const refused = uniqueStation('FULL');
    expect(await upgradeStatus(`${h.wsUrl}/${refused}`)).toBe(404);
    expect(await stationStatus(refused)).toBe(404);

    const known = uniqueStation('KNOWN');
    expect((await api(h, 'PUT', `/api/v1/stations/${known}`, {})).status).toBeLessThan(300);
    expect(await upgradeStatus(`${h.wsUrl}/${known}`)).toBe(101);
    // An auto-registered station already in the table reconnects too.
    expect(await upgradeStatus(`${h.wsUrl}/${first[0]!}`)).toBe(101);

    expect((await api(h, 'PUT', `/api/v1/stations/${first[0]!}`, { registrationStatus: 'Accepted' })).status).toBeLessThan(300);
    const next = uniqueStation('NEXT');
    expect(await upgradeStatus(`${h.wsUrl}/${next}`)).toBe(101);
    expect(await stationStatus(next)).toBe(200);
    expect(await upgradeStatus(`${h.wsUrl}/${uniqueStation('FULL')}`)).toBe(404);
  });
});

describe('OCPP_PENDING_STATIONS_MAX after a switch from auto-register to pending', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'pending', OCPP_PENDING_STATIONS_MAX: '2' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts only the quarantine: stations an earlier auto-register policy registered (Accepted, running) do not fill it', async () => {
    for (let i = 0; i < 3; i++) {
      await h.db.query(`INSERT INTO stations (id, auto_registered, registration_status) VALUES ($1, true, 'Accepted')`, [uniqueStation('EARLIER')]);
    }
    const id = uniqueStation('NEWQ');
    expect(await upgradeStatus(`${h.wsUrl}/${id}`)).toBe(101);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body).toMatchObject({ registration_status: 'Pending' });
  });
});

describe('OCPP_PENDING_STATIONS_MAX=0', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'pending', OCPP_PENDING_STATIONS_MAX: '0' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('lifts the bound: every new identity registers', async () => {
    expect(h.app.config.OCPP_PENDING_STATIONS_MAX).toBe(0);
    for (let i = 0; i < 4; i++) {
      const id = uniqueStation('FREE');
      expect(await upgradeStatus(`${h.wsUrl}/${id}`)).toBe(101);
      expect((await api(h, 'GET', `/api/v1/stations/${id}`)).status).toBe(200);
    }
  });
});
