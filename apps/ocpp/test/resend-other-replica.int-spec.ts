import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import { replicaPair, type OcppHarness, type RawClient } from './harness.js';

/**
 * A charger whose answer was lost (its socket dropped, or the replica was killed after the commit)
 * resends the same CALL, same message id, on its next connection, which the load balancer may give
 * to the other replica, whose message-id memory never saw it (guide §1.4: business-level
 * idempotency). MeterValues sampled before the connection opened are stored only where no equal
 * reading is; a stamped StatusNotification equal to the stored one is the same fact.
 */
describe('a CALL resent to the other replica after its answer was lost', () => {
  const pair = replicaPair({});
  const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

  /** The answer to our CALL `id`; the central system's own CALLs (GetConfiguration after the boot) get a bare CallResult. */
  async function answer(c: RawClient, id: string): Promise<unknown> {
    for (;;) {
      const frame = (await c.next()) as [number, string, ...unknown[]];
      if (frame[0] === 2) c.send([3, frame[1], frame[2] === 'GetConfiguration' ? { configurationKey: [] } : { status: 'Rejected' }]);
      else if (frame[1] === id) return frame;
    }
  }
  async function call(c: RawClient, id: string, action: string, payload: unknown): Promise<unknown> {
    c.send([2, id, action, payload]);
    return answer(c, id);
  }
  async function booted(h: OcppHarness, station: string): Promise<RawClient> {
    const c = await pair.open(h, station);
    expect(await call(c, `b-${randomUUID()}`, 'BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    return c;
  }
  async function started(c: RawClient): Promise<number> {
    const start = (await call(c, 's-1', 'StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: new Date().toISOString() })) as [number, string, { transactionId: number }];
    return start[2].transactionId;
  }
  /** Sends `frame` on A and, once answered there, again on a new connection to B (no boot: a reconnection); returns that connection. */
  async function resentToOther(station: string, onA: RawClient, frame: [number, string, string, unknown]): Promise<RawClient> {
    onA.send(frame);
    expect(await answer(onA, frame[1])).toEqual([3, frame[1], {}]); // committed; the charger never saw this answer
    onA.ws.terminate();
    const onB = await pair.open(pair.b(), station);
    onB.send(frame);
    expect(await answer(onB, frame[1])).toEqual([3, frame[1], {}]);
    return onB;
  }
  const settle = () => new Promise((r) => setTimeout(r, 2_500));
  const readings = async (station: string) =>
    Number((await pair.a().db.query<{ n: string }[]>('SELECT count(*) AS n FROM meter_readings WHERE station_id = $1', [station]))[0]!.n);

  it('a MeterValues resent byte for byte to the other replica is stored and published once', async () => {
    const station = `XI-${randomUUID().slice(0, 8)}`;
    const onA = await booted(pair.a(), station);
    const transactionId = await started(onA);
    await resentToOther(station, onA, [2, 'mv-1', 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1500' }] }] }]);
    const rows = await readings(station);
    await settle();
    expect({ rows, events: pair.a().events.of(Subjects.OcppMeterSampled, station).length }).toEqual({ rows: 1, events: 1 });
  });

  it('one without a transaction id (attached by its connector) is stored and published once too', async () => {
    const station = `XI-${randomUUID().slice(0, 8)}`;
    const onA = await booted(pair.a(), station);
    await started(onA);
    const at = new Date().toISOString();
    await resentToOther(station, onA, [2, 'mv-2', 'MeterValues', { connectorId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: '1600' }] }, { timestamp: at, sampledValue: [{ value: '7', measurand: 'Power.Active.Import', unit: 'kW' }] }] }]);
    const rows = await readings(station);
    await settle();
    expect({ rows, events: pair.a().events.of(Subjects.OcppMeterSampled, station).length }).toEqual({ rows: 2, events: 2 });
  });

  it('readings queued offline and first sent on the new connection are all stored and published', async () => {
    const station = `XI-${randomUUID().slice(0, 8)}`;
    const onA = await booted(pair.a(), station);
    const transactionId = await started(onA);
    onA.ws.terminate();
    const onB = await pair.open(pair.b(), station);
    const before = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const meterValue = [30, 20, 10].map((s, i) => ({ timestamp: before(s), sampledValue: [{ value: String(1100 + i * 100) }] }));
    expect(await call(onB, 'mv-3', 'MeterValues', { connectorId: 1, transactionId, meterValue })).toEqual([3, 'mv-3', {}]);
    // The same values later, at another time: a new reading.
    expect(await call(onB, 'mv-4', 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ ...meterValue[2]!, timestamp: before(5) }] })).toEqual([3, 'mv-4', {}]);
    const rows = await readings(station);
    await settle();
    expect({ rows, events: pair.a().events.of(Subjects.OcppMeterSampled, station).length }).toEqual({ rows: 4, events: 4 });
  });

  it('a StatusNotification resent to the other replica publishes one connector.status fact', async () => {
    const station = `XI-${randomUUID().slice(0, 8)}`;
    const onA = await booted(pair.a(), station);
    await resentToOther(station, onA, [2, 'st-1', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: new Date().toISOString() }]);
    await settle();
    const events = pair.a().events.of(Subjects.OcppConnectorStatus, station).filter((e) => e['status'] === 'Charging');
    expect(events).toHaveLength(1);
  });

  it('a notification with the same stamp but another error is a new fact: stored and published', async () => {
    const station = `XI-${randomUUID().slice(0, 8)}`;
    const onA = await booted(pair.a(), station);
    const timestamp = new Date().toISOString();
    expect(await call(onA, 'st-2', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Faulted', timestamp })).toEqual([3, 'st-2', {}]);
    expect(await call(onA, 'st-3', 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', timestamp })).toEqual([3, 'st-3', {}]);
    await settle();
    const events = pair.a().events.of(Subjects.OcppConnectorStatus, station).filter((e) => e['status'] === 'Faulted');
    expect(events.map((e) => e['errorCode'])).toEqual(['NoError', 'GroundFailure']);
    const [row] = await pair.a().db.query<{ error_code: string }[]>('SELECT error_code FROM connectors WHERE station_id = $1 AND connector_id = 1', [station]);
    expect(row!.error_code).toBe('GroundFailure');
  });
});
