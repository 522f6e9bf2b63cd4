import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** A CALLRESULT's payload; anything else (a CALLERROR) fails the test with the frame. */
async function result(r: RawClient, action: string, payload: unknown): Promise<Record<string, unknown>> {
  const frame = (await r.call(action, payload)) as unknown[];
  expect(frame[0]).toBe(3);
  return frame[2] as Record<string, unknown>;
}

/**
 * What the transaction events tell their consumers beyond the charger's own figures: the status ocpp
 * answered to the start (a refused start is published too: the charger may run it), and the energy
 * ocpp settled at the stop (so the hub's CDR bills what ocpp's views show).
 */
describe('transaction events: idTagStatus on the start, settled energyWh on the stop', () => {
  let h: OcppHarness;
  const sockets: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/SETTLE-OK', { status: 'Accepted' });
    await api(h, 'PUT', '/api/v1/id-tags/SETTLE-BLOCKED', { status: 'Blocked' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function station(): Promise<{ r: RawClient; id: string }> {
    const id = uniqueStation('SETL');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    return { r, id };
  }

  async function published<S extends typeof Subjects.OcppTransactionStarted | typeof Subjects.OcppTransactionStopped>(subject: S, stationId: string, count: number) {
    expect(await eventually(() => h.events.of(subject, stationId).length === count)).toBe(true);
    return h.events.of(subject, stationId);
  }

  it('a start answered Blocked is published with idTagStatus Blocked; an accepted one with Accepted', async () => {
    const { r, id } = await station();
    const accepted = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'SETTLE-OK', meterStart: 0, timestamp: '2026-04-01T10:00:00Z' });
    expect(accepted['idTagInfo']).toEqual(expect.objectContaining({ status: 'Accepted' }));
    const blocked = await result(r, 'StartTransaction', { connectorId: 2, idTag: 'SETTLE-BLOCKED', meterStart: 0, timestamp: '2026-04-01T10:01:00Z' });
    expect(blocked['idTagInfo']).toEqual(expect.objectContaining({ status: 'Blocked' }));
    const starts = await published(Subjects.OcppTransactionStarted, id, 2);
    expect(starts.find((e) => e['transactionId'] === accepted['transactionId'])).toMatchObject({ idTag: 'SETTLE-OK', idTagStatus: 'Accepted' });
    expect(starts.find((e) => e['transactionId'] === blocked['transactionId'])).toMatchObject({ idTag: 'SETTLE-BLOCKED', idTagStatus: 'Blocked' });
    await result(r, 'StopTransaction', { transactionId: accepted['transactionId'], meterStop: 0, timestamp: '2026-04-01T10:30:00Z' });
  });

  it('a station answered Rejected has its start stored and answered Invalid, without asking for the token', async () => {
    const id = uniqueStation('SETL-REJ');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Rejected' });
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    expect(await result(r, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).toMatchObject({ status: 'Rejected' });
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'SETTLE-OK', meterStart: 0, timestamp: '2026-04-03T10:00:00Z' });
    expect(start['idTagInfo']).toEqual({ status: 'Invalid' });
    const [event] = await published(Subjects.OcppTransactionStarted, id, 1);
    expect(event).toMatchObject({ transactionId: start['transactionId'], idTagStatus: 'Invalid' });
    // Kept, not lost: its stop settles it as any other.
    expect(await result(r, 'StopTransaction', { transactionId: start['transactionId'], meterStop: 900, timestamp: '2026-04-03T10:20:00Z' })).toEqual({});
    const listed = await api(h, 'GET', `/api/v1/transactions?stationId=${id}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ transactionId: start['transactionId'], energyWh: 900 })]);
  });

  it('a station the operator rejects after its accepted boot has its start answered Invalid on its next connection, which needs no boot', async () => {
    const { r, id } = await station();
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Rejected' });
    r.close();
    // OCPP-J §5.4: a reconnect needs no BootNotification; the charger goes on with its sessions.
    const again = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(again);
    const start = await result(again, 'StartTransaction', { connectorId: 1, idTag: 'SETTLE-OK', meterStart: 0, timestamp: '2026-04-04T10:00:00Z' });
    expect(start['idTagInfo']).toEqual({ status: 'Invalid' });
  });

  it("the stop carries ocpp's settled energy: the registers' growth, 0 just below the start, a restarted meter's register counted from zero", async () => {
    const { r, id } = await station();
    const session = async (connectorId: number, meterStart: number, meterStop: number, minute: number) => {
      const s = await result(r, 'StartTransaction', { connectorId, idTag: 'SETTLE-OK', meterStart, timestamp: `2026-04-02T10:0${minute}:00Z` });
      await result(r, 'StopTransaction', { transactionId: s['transactionId'], meterStop, timestamp: `2026-04-02T11:0${minute}:00Z` });
      return s['transactionId'];
    };
    const normal = await session(1, 10_000, 22_500, 0);
    const rounding = await session(2, 50_000, 49_600, 1);
    const restarted = await session(3, 50_000, 4_200, 2);
    const stops = await published(Subjects.OcppTransactionStopped, id, 3);
    const of = (transactionId: unknown) => stops.find((e) => e['transactionId'] === transactionId);
    expect(of(normal)).toMatchObject({ meterStopWh: 22_500, energyWh: 12_500 });
    expect(of(rounding)).toMatchObject({ meterStopWh: 49_600, energyWh: 0 });
    expect(of(restarted)).toMatchObject({ meterStopWh: 4_200, energyWh: 4_200 });
    // The same figure as ocpp's own view of the transaction.
    const stored: { energy_wh: string }[] = await h.db.query(`SELECT energy_wh FROM transactions WHERE transaction_id = $1`, [restarted]);
    expect(Number(stored[0].energy_wh)).toBe(4_200);
  });
});
