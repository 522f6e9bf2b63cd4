import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, RawClient, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

describe('OCPP central system: charger-initiated core messages', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function charger(identity = uniqueStation()): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    return cp;
  }

  it('cold boot: Accepted with interval and UTC time, statuses stored and published, heartbeat answered', async () => {
    const cp = await charger();
    const boot = await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', firmwareVersion: '1.0' });
    expect(boot.status).toBe('Accepted');
    expect(boot.interval).toBe(300);
    expect(boot.currentTime).toMatch(/Z$/);
    for (const connectorId of [0, 1, 2]) {
      await send(cp, 'StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available', timestamp: new Date().toISOString() });
    }
    const hb = await send(cp, 'Heartbeat', {});
    expect(hb.currentTime).toMatch(/Z$/);
    const rows: { connector_id: number; status: string }[] = await h.db.query(`SELECT connector_id, status FROM connectors WHERE station_id = $1 ORDER BY connector_id`, [cp.identity]);
    expect(rows).toEqual([
      { connector_id: 0, status: 'Available' },
      { connector_id: 1, status: 'Available' },
      { connector_id: 2, status: 'Available' },
    ]);
    const [station] = await h.db.query(`SELECT vendor, model, firmware_version, last_boot_status FROM stations WHERE id = $1`, [cp.identity]);
    expect(station).toEqual({ vendor: 'Acme', model: 'S1', firmware_version: '1.0', last_boot_status: 'Accepted' });
    expect(await eventually(() => h.events.of('ocpp.connector.status', cp.identity).length === 3)).toBe(true);
    expect(await eventually(() => h.events.of('ocpp.station.booted', cp.identity).length === 1)).toBe(true);
    expect(await eventually(() => h.events.of('ocpp.station.connected', cp.identity).length === 1)).toBe(true);
  });

  it('a session: start, meter values with and without transactionId, retried start and stop, energy once', async () => {
    const cp = await charger();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const startReq = { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: '2026-11-23T10:00:00.000Z' };
    const start = await send(cp, 'StartTransaction', startReq);
    expect(start.transactionId).toBeGreaterThan(0);
    // A retry with a new message id gets the same transaction.
    const again = await send(cp, 'StartTransaction', startReq);
    expect(again.transactionId).toBe(start.transactionId);
    await send(cp, 'MeterValues', {
      connectorId: 1,
      transactionId: start.transactionId,
      meterValue: [{ timestamp: '2026-11-23T10:05:00.000Z', sampledValue: [{ value: '1500' }, { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' }] }],
    });
    // Clock-aligned reading without the id is attached to the running transaction.
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-11-23T10:10:00.000Z', sampledValue: [{ value: '2000', context: 'Sample.Clock' }] }] });
    const stopReq = { transactionId: start.transactionId, meterStop: 3500, timestamp: '2026-11-23T10:30:00.000Z', idTag: 'TAG-1', reason: 'EVDisconnected' as const,
      transactionData: [{ timestamp: '2026-11-23T10:30:00.000Z', sampledValue: [{ value: '3500', context: 'Transaction.End' as const }] }] };
    await send(cp, 'StopTransaction', stopReq);
    await send(cp, 'StopTransaction', stopReq);
    const [tx] = await h.db.query(`SELECT energy_wh, stop_reason FROM transactions WHERE transaction_id = $1`, [start.transactionId]);
    expect(tx).toEqual({ energy_wh: '2500', stop_reason: 'EVDisconnected' });
    const meters: { transaction_id: number; measurand: string; value: number; context: string | null }[] = await h.db.query(
      `SELECT transaction_id, measurand, value, context FROM meter_samples WHERE station_id = $1 ORDER BY sampled_at, id, sample`, [cp.identity]);
    expect(meters.map((m) => [m.transaction_id, m.measurand, m.value])).toEqual([
      [start.transactionId, 'Energy.Active.Import.Register', 1500],
      [start.transactionId, 'Power.Active.Import', 7.2],
      [start.transactionId, 'Energy.Active.Import.Register', 2000],
      [start.transactionId, 'Energy.Active.Import.Register', 3500],
    ]);
    // The operator view: in time order, OCPP's defaults explicit, limited by sampled value, filtered by time.
    const view = (query: string) => api(h, 'GET', `/api/v1/stations/${cp.identity}/meter-values?${query}`).then((r) => r.body.items as Record<string, unknown>[]);
    expect(await view('limit=3')).toEqual([
      { connectorId: 1, transactionId: start.transactionId, sampledAt: '2026-11-23T10:05:00.000Z', measurand: 'Energy.Active.Import.Register', value: 1500, rawValue: '1500', unit: 'Wh', phase: null, context: null, location: null, format: 'Raw' },
      expect.objectContaining({ measurand: 'Power.Active.Import', value: 7.2, unit: 'kW' }),
      expect.objectContaining({ sampledAt: '2026-11-23T10:10:00.000Z', value: 2000, context: 'Sample.Clock' }),
    ]);
    expect((await view('from=2026-11-23T10:10:00Z')).map((m) => m['value'])).toEqual([2000, 3500]);
    // A row stored before readings existed (a row per sampled value) shows in its place.
    await h.db.query(
      `INSERT INTO meter_values (station_id, connector_id, transaction_id, sampled_at, measurand, value, raw_value, unit, phase, format) VALUES ($1, 1, $2, '2026-11-23T10:07:00Z', 'Current.Import', 16, '16', 'A', 'L1', 'Raw')`,
      [cp.identity, start.transactionId],
    );
    expect((await view('from=2026-11-23T10:06:00Z&to=2026-11-23T10:11:00Z')).map((m) => [m['measurand'], m['value'], m['phase']])).toEqual([
      ['Current.Import', 16, 'L1'],
      ['Energy.Active.Import.Register', 2000, null],
    ]);
    expect(await eventually(() => h.events.of('ocpp.transaction.stopped', cp.identity).length === 1)).toBe(true);
    expect(h.events.of('ocpp.transaction.started', cp.identity)).toHaveLength(1);
    expect(await eventually(() => h.events.of('ocpp.meter.sampled', cp.identity).length === 2)).toBe(true);
  });

  it('answers bad frames with CallErrors and keeps the socket and the others alive', async () => {
    const other = await charger();
    await send(other, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const raw = await RawClient.open(`${h.wsUrl}/${uniqueStation('RAW')}`);
    try {
      expect(await raw.call('BootNotification', { chargePointVendor: 'Acme' })).toEqual([4, expect.any(String), 'OccurenceConstraintViolation', expect.any(String), expect.anything()]);
      raw.send('[2, "abc", "Heartbeat", {');
      expect(await raw.answer()).toEqual([4, 'abc', 'FormationViolation', expect.any(String), {}]);
      expect(await raw.call('FooBar', {})).toEqual([4, expect.any(String), 'NotImplemented', expect.any(String), {}]);
      expect(await raw.call('Reset', { type: 'Hard' })).toEqual([4, expect.any(String), 'NotSupported', expect.any(String), {}]);
      expect(await raw.call('Heartbeat', {})).toEqual([4, expect.any(String), 'SecurityError', expect.any(String), {}]);
      expect(await other.call('Heartbeat', {})).toHaveProperty('currentTime');
    } finally {
      raw.close();
    }
  });
});
