import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { TransactionRepository } from '../src/transactions/transaction.repository.js';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

async function result(r: RawClient, action: string, payload: unknown): Promise<Record<string, unknown>> {
  const frame = (await r.call(action, payload)) as unknown[];
  expect(frame[0]).toBe(3);
  return frame[2] as Record<string, unknown>;
}

/** A MeterValues of the main register (OCPP's defaults: Energy.Active.Import.Register, Wh). */
function register(transactionId: unknown, wh: number, timestamp: string, connectorId = 1): unknown {
  return { connectorId, transactionId, meterValue: [{ timestamp, sampledValue: [{ value: String(wh), context: 'Sample.Periodic' }] }] };
}

/**
 * A meter (or charger) restarting during a session resets its register: the energy before the
 * restart, in the session's MeterValues, is billed with the energy after it.
 */
describe('a meter restarting mid-session', () => {
  let h: OcppHarness;
  const sockets: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/RESTART-OK', { status: 'Accepted' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await h.close();
  });

  it('bills 10 kWh before the restart and 4.2 kWh after it: stored, published and listed, and the running energy counts both', async () => {
    const id = uniqueStation('RESTART');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-01T10:00:00Z' });
    const transactionId = start['transactionId'];
    for (const [wh, at] of [
      [105_000, '10:10'],
      [110_000, '10:20'],
      [0, '10:30'],
      [2_000, '10:40'],
    ] as const) {
      await result(r, 'MeterValues', register(transactionId, wh, `2026-05-01T${at}:00Z`));
    }
    const running = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(running.body.items).toEqual([expect.objectContaining({ transactionId, energyWh: 12_000 })]);

    const stop = { transactionId, meterStop: 4_200, timestamp: '2026-05-01T10:50:00Z', idTag: 'RESTART-OK' };
    await result(r, 'StopTransaction', stop);
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 14_200 });
    const listed = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ transactionId, meterStopWh: 4_200, energyWh: 14_200 })]);

    // A retried stop settles nothing again.
    await result(r, 'StopTransaction', stop);
    const again = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(again.body.items).toEqual([expect.objectContaining({ transactionId, energyWh: 14_200 })]);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)).toHaveLength(1);
  });

  it("counts the restart the stop's own transactionData shows, and ignores its samples older than the MeterValues already received", async () => {
    const id = uniqueStation('RESTART-TD');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-02T10:00:00Z' });
    const transactionId = start['transactionId'];
    await result(r, 'MeterValues', register(transactionId, 105_000, '2026-05-02T10:10:00Z'));
    const sample = (wh: number, at: string) => ({ timestamp: `2026-05-02T${at}:00Z`, sampledValue: [{ value: String(wh / 1000), unit: 'kWh' }] });
    await result(r, 'StopTransaction', {
      transactionId,
      meterStop: 4_200,
      timestamp: '2026-05-02T10:50:00Z',
      // 10:05 repeats a sample before the 10:10 reading received: ignored, no false drop.
      transactionData: [sample(102_000, '10:05'), sample(110_000, '10:20'), sample(0, '10:30'), sample(2_000, '10:40')],
    });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 14_200 });
  });

  it('leaves out the transactionData samples of an unset clock: stored at receipt, after every reading, they are in no known place in the series', async () => {
    const id = uniqueStation('RESTART-UNSET');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-03T10:00:00Z' });
    const transactionId = start['transactionId'];
    for (const [wh, at] of [
      [110_000, '10:20'],
      [0, '10:30'],
      [2_000, '10:40'],
    ] as const) {
      await result(r, 'MeterValues', register(transactionId, wh, `2026-05-03T${at}:00Z`));
    }
    // The samples repeated after the charger's clock was lost: read after 2,000, 110,000 would count again.
    const unset = (wh: number) => ({ timestamp: '1970-01-01T00:00:00Z', sampledValue: [{ value: String(wh) }] });
    await result(r, 'StopTransaction', { transactionId, meterStop: 4_200, timestamp: '2026-05-03T10:50:00Z', transactionData: [unset(110_000), unset(0), unset(2_000)] });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 14_200 });
  });

  it("leaves out readings of another connector naming the session: the station's main meter (connector 0) is not the session's register", async () => {
    const id = uniqueStation('RESTART-C0');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-04T10:00:00Z' });
    const transactionId = start['transactionId'];
    for (const [wh, at, connectorId] of [
      [105_000, '10:10', 1],
      [500_000, '10:15', 0],
      [110_000, '10:20', 1],
      [0, '10:30', 1],
      [2_000, '10:40', 1],
    ] as const) {
      await result(r, 'MeterValues', register(transactionId, wh, `2026-05-04T${at}:00Z`, connectorId));
    }
    const running = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(running.body.items).toEqual([expect.objectContaining({ transactionId, energyWh: 12_000 })]);
    await result(r, 'StopTransaction', { transactionId, meterStop: 4_200, timestamp: '2026-05-04T10:50:00Z' });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 14_200 });
  });

  it("reads no register series for a stop at or above meterStart: the energy does not depend on it, and the scan of the station's readings since the start is the stop's cost", async () => {
    const id = uniqueStation('RESTART-NOSCAN');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-05T10:00:00Z' });
    const transactionId = start['transactionId'];
    await result(r, 'MeterValues', register(transactionId, 105_000, '2026-05-05T10:10:00Z'));
    const series = jest.spyOn(h.app.app.get(TransactionRepository), 'sessionRegisters');
    try {
      await result(r, 'StopTransaction', { transactionId, meterStop: 110_000, timestamp: '2026-05-05T10:50:00Z' });
      expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
      expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 10_000 });
      expect(series).not.toHaveBeenCalled();
    } finally {
      series.mockRestore();
    }
  });

  it("bills a stale register at the session's level before a stop reading 0 as GET /transactions showed it, not as a restart billing the lifetime register", async () => {
    const id = uniqueStation('RESTART-STALE');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'RESTART-OK', meterStart: 100_000, timestamp: '2026-05-06T10:00:00Z' });
    const transactionId = start['transactionId'];
    for (const [wh, at] of [
      [105_000, '10:10'],
      [110_000, '10:20'],
      [101_000, '10:30'],
    ] as const) {
      await result(r, 'MeterValues', register(transactionId, wh, `2026-05-06T${at}:00Z`));
    }
    const running = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(running.body.items).toEqual([expect.objectContaining({ transactionId, energyWh: 1_000 })]);
    await result(r, 'StopTransaction', { transactionId, meterStop: 0, timestamp: '2026-05-06T10:40:00Z' });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId, energyWh: 1_000 });
  });
});
