import { captureLogs, eventually } from '@cpo/testing';
import { api, RawClient, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const KEY = 'url-forms-key-0123456789';
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
type LogLine = { level?: number; msg?: string; stationId?: string; existingStationId?: string; reason?: string };

/**
 * What real chargers put in the endpoint URL: a central-system URL configured with a trailing `/`
 * (the charger appends `/{identity}`: `/ocpp//CP01`), or a trailing slash after the identity. Both
 * name the station itself, for everything that follows the path: credentials, presence, events, logs.
 */
describe('the charger endpoint path with extra slashes (known stations only: reject)', () => {
  const logs = captureLogs();
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', LOG_LEVEL: 'info' }, undefined, { logDestination: logs.destination });
  });
  afterAll(() => h.close());

  const endpoint = () => h.wsUrl.slice(0, -'/ocpp'.length);

  it.each([
    ['an empty segment before the identity', (id: string) => `/ocpp//${id}`],
    ['a trailing slash', (id: string) => `/ocpp/${id}/`],
    ['both', (id: string) => `/ocpp///${id}/`],
  ])('%s: the station itself is admitted with its credentials, boots, has presence and events under its id', async (_form, path) => {
    const id = uniqueStation('SLASH');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: KEY })).status).toBe(201);
    expect(await upgradeStatus(`${endpoint()}${path(id)}`, 'ocpp1.6', basic(id, 'wrong-key-0123456789'))).toBe(401);
    expect(await eventually(() => (logs.lines as LogLine[]).some((l) => l.msg === 'charger refused at upgrade' && l.stationId === id && l.reason === 'wrong password'), 2_000)).toBe(true);

    const charger = await RawClient.open(`${endpoint()}${path(id)}`, 'ocpp1.6', basic(id, KEY));
    try {
      expect(await charger.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
      expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.connection).toMatchObject({ replicaId: 'replica-a' });
      expect(await eventually(() => h.events.of('ocpp.station.connected', id).length === 1, 2_000)).toBe(true);
    } finally {
      charger.close();
    }
  });

  it('still refuses another segment, an empty identity, two trailing slashes and a %2F inside the identity (400)', async () => {
    const id = uniqueStation('SLASH');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBe(201);
    for (const path of [`/ocpp/${id}/x`, `/ocpp/x/${id}`, `/ocpp/${id}//`, '/ocpp//', `/ocpp/${id}%2F`, `/ocpp/%2F${id}`]) {
      expect([path, await upgradeStatus(`${endpoint()}${path}`)]).toEqual([path, 400]);
    }
  });
});

describe('auto-register and the identity in the path', () => {
  const logs = captureLogs();
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register', LOG_LEVEL: 'warn' }, undefined, { logDestination: logs.destination });
  });
  afterAll(() => h.close());

  const stationStatus = async (id: string) => (await api(h, 'GET', `/api/v1/stations/${encodeURIComponent(id)}`)).status;

  it('a trailing slash registers the identity itself, not one ending in /', async () => {
    const id = uniqueStation('NEWSLASH');
    expect(await upgradeStatus(`${h.wsUrl}/${id}/`)).toBe(101);
    expect(await stationStatus(id)).toBe(200);
    const rows: { id: string }[] = await h.db.query(`SELECT id FROM stations WHERE id LIKE $1`, [`${id}%`]);
    expect(rows.map((r) => r.id)).toEqual([id]);
  });

  it("an identity that is a known station's id in another case is refused (404), not registered, with one warning naming both", async () => {
    const known = uniqueStation('CASE').toUpperCase();
    expect((await api(h, 'PUT', `/api/v1/stations/${known}`, {})).status).toBe(201);
    const variant = known.toLowerCase();
    expect(await upgradeStatus(`${h.wsUrl}/${variant}`)).toBe(404);
    expect(await upgradeStatus(`${h.wsUrl}/${variant}/`)).toBe(404);
    expect(await stationStatus(variant)).toBe(404);
    expect(h.events.of('ocpp.station.connected', variant)).toEqual([]);
    const warnings = () => (logs.lines as LogLine[]).filter((l) => l.stationId === variant && l.existingStationId === known);
    expect(await eventually(() => warnings().length > 0, 2_000)).toBe(true);
    expect(warnings()).toHaveLength(1);

    // The station itself still connects, and a really new identity still registers.
    expect(await upgradeStatus(`${h.wsUrl}/${known}`)).toBe(101);
    const other = uniqueStation('CASE').toLowerCase();
    expect(await upgradeStatus(`${h.wsUrl}/${other}`)).toBe(101);
    expect(await stationStatus(other)).toBe(200);
  });

  it('case variants an operator created as stations of their own both connect', async () => {
    const upper = uniqueStation('BOTH').toUpperCase();
    const lower = upper.toLowerCase();
    for (const id of [upper, lower]) expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBe(201);
    for (const id of [upper, lower]) expect(await upgradeStatus(`${h.wsUrl}/${id}`)).toBe(101);
  });

  it('the look-up of a case variant reads an index on lower(id), not every station row', async () => {
    const plan: { 'QUERY PLAN': string }[] = await h.db.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      return m.query(`EXPLAIN SELECT id FROM stations WHERE lower(id) = lower($1) AND id <> $1 ORDER BY id LIMIT 1`, ['cp-x']);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index (Only )?Scan using stations_id_lower|Bitmap Index Scan on stations_id_lower/);
  });
});
