import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { StationService } from '../src/stations/station.service.js';
import { MeterValuesService } from '../src/transactions/meter-values.service.js';
import { send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/**
 * The one-statement group commits (statuses, meter values): what several messages sharing one
 * statement store and publish, which the conformance walk (one message per commit) cannot show.
 */
describe('group commit in one statement', () => {
  let h: OcppHarness;
  let cp: ChargePoint16;
  beforeAll(async () => {
    h = await startOcpp();
    cp = new ChargePoint16({ identity: uniqueStation('GC'), url: h.wsUrl, reconnect: false });
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
  });
  afterAll(async () => {
    await cp.stop();
    await h.close();
  });

  it('statuses in one batch: an older one than an earlier one of the batch or than the stored one is neither stored nor published', async () => {
    const stations = h.app.app.get(StationService);
    const at = (m: number) => new Date(Date.UTC(2026, 10, 23, 10, m));
    const status = (connectorId: number, s: string, m: number) =>
      stations.status(cp.identity, { connectorId, status: s as never, errorCode: 'NoError', timestamp: at(m).toISOString() }, new Date());
    await status(1, 'Available', 5);
    // The first two (other connectors) are committed alone, one per slot; the rest arrive while they
    // run and share the next statement.
    await Promise.all([
      status(3, 'Available', 0),
      status(4, 'Available', 0),
      status(1, 'Charging', 10),
      status(1, 'Preparing', 9),
      status(1, 'SuspendedEV', 11),
      status(2, 'Available', 0),
      status(2, 'Faulted', 1),
      status(1, 'Finishing', 4),
    ]);
    const rows = await h.db.query(`SELECT connector_id, status, status_at FROM connectors WHERE station_id = $1 ORDER BY connector_id`, [cp.identity]);
    expect(rows.map((r: { connector_id: number; status: string }) => [r.connector_id, r.status])).toEqual([
      [1, 'SuspendedEV'],
      [2, 'Faulted'],
      [3, 'Available'],
      [4, 'Available'],
    ]);
    const published = () => h.events.of(Subjects.OcppConnectorStatus, cp.identity).map((e) => `${String(e['connectorId'])}:${String(e['status'])}`);
    expect(await eventually(() => published().length >= 7)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(published().sort()).toEqual(['1:Available', '1:Charging', '1:SuspendedEV', '2:Available', '2:Faulted', '3:Available', '4:Available']);
  });

  it('meter values with and without transaction ids in one batch: every row stored, every event published once', async () => {
    const start = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'GC', meterStart: 0, timestamp: new Date(Date.now() - 60_000).toISOString() });
    const meter = h.app.app.get(MeterValuesService);
    const reading = (wh: number, transactionId?: number) =>
      meter.record(cp.identity, { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(wh) }, { value: '7.2', measurand: 'Power.Active.Import', unit: 'kW' }] }] }, new Date(), new Date(0));
    // All with ids (one statement), then a batch mixing in one without (the transaction path with its lookup).
    await Promise.all([reading(1, start.transactionId), reading(2, start.transactionId), reading(3, start.transactionId)]);
    await Promise.all([reading(4, start.transactionId), reading(5), reading(6, start.transactionId)]);
    const rows = await h.db.query(
      `SELECT raw_value, transaction_id FROM meter_samples WHERE station_id = $1 AND measurand = 'Energy.Active.Import.Register' ORDER BY raw_value::int`,
      [cp.identity],
    );
    expect(rows).toEqual([1, 2, 3, 4, 5, 6].map((v) => ({ raw_value: String(v), transaction_id: start.transactionId })));
    expect(await eventually(() => h.events.of(Subjects.OcppMeterSampled, cp.identity).length >= 6)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.events.of(Subjects.OcppMeterSampled, cp.identity)).toHaveLength(6);
  });

  it('a lone surrogate (a JSON escape in the frame) is stored as U+FFFD, not refused by the JSON parameter', async () => {
    const res = await cp.call('MeterValues', { connectorId: 0, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1', measurand: 'Energy.Active.Import.Register', location: 'Outlet', context: 'Other\ud800' as never }] }] }, { skipSchemaValidation: true });
    expect(res).toEqual({});
    const [row] = await h.db.query(`SELECT context FROM meter_samples WHERE station_id = $1 AND connector_id = 0`, [cp.identity]);
    expect(row.context).toBe('Other\uFFFD');
  });
});
