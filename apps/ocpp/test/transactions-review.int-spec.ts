import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, RawClient, send, startOcpp, testChargers, uniqueStation, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** A CALLRESULT's payload; anything else (a CALLERROR) fails the test with the frame. */
async function result(r: RawClient, action: string, payload: unknown): Promise<Record<string, unknown>> {
  const frame = (await r.call(action, payload)) as unknown[];
  expect(frame[0]).toBe(3);
  return frame[2] as Record<string, unknown>;
}

/** Transactions and meter values: defects found in review (guide §2.1). */
describe('transactions: review fixes', () => {
  let h: OcppHarness;
  const sockets: RawClient[] = [];
  const { booted } = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function station(): Promise<{ r: RawClient; id: string }> {
    const id = uniqueStation('TXR');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', boot);
    return { r, id };
  }

  const readings = (stationId: string): Promise<{ transaction_id: number | null }[]> =>
    h.db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at, id`, [stationId]);

  it('MeterValues with a negative transaction id (firmware for "none") go to the transaction running on the connector, like 0', async () => {
    const { r, id } = await station();
    const s = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'NEG1', meterStart: 0, timestamp: '2026-03-01T10:00:00Z' });
    await result(r, 'MeterValues', { connectorId: 1, transactionId: -1, meterValue: [{ timestamp: '2026-03-01T10:15:00Z', sampledValue: [{ value: '250' }] }] });
    expect(await readings(id)).toEqual([{ transaction_id: s['transactionId'] }]);
    expect(await eventually(() => h.events.of(Subjects.OcppMeterSampled, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppMeterSampled, id)[0]).toMatchObject({ transactionId: s['transactionId'] });
  });

  it("MeterValues naming another station's transaction are not attached to it, but to the transaction running on their own connector", async () => {
    const a = await station();
    const b = await station();
    const ta = await result(a.r, 'StartTransaction', { connectorId: 1, idTag: 'OWN-A', meterStart: 0, timestamp: '2026-03-02T10:00:00Z' });
    const tb = await result(b.r, 'StartTransaction', { connectorId: 1, idTag: 'OWN-B', meterStart: 0, timestamp: '2026-03-02T10:00:00Z' });
    // A's own reading first (its id is then known to be A's), then B naming A's transaction.
    await result(a.r, 'MeterValues', { connectorId: 1, transactionId: ta['transactionId'], meterValue: [{ timestamp: '2026-03-02T10:10:00Z', sampledValue: [{ value: '100' }] }] });
    await result(b.r, 'MeterValues', { connectorId: 1, transactionId: ta['transactionId'], meterValue: [{ timestamp: '2026-03-02T10:10:00Z', sampledValue: [{ value: '900' }] }] });
    await result(a.r, 'MeterValues', { connectorId: 1, transactionId: ta['transactionId'], meterValue: [{ timestamp: '2026-03-02T10:20:00Z', sampledValue: [{ value: '200' }] }] });
    expect(await readings(a.id)).toEqual([{ transaction_id: ta['transactionId'] }, { transaction_id: ta['transactionId'] }]);
    expect(await readings(b.id)).toEqual([{ transaction_id: tb['transactionId'] }]);
    expect(await eventually(() => h.events.of(Subjects.OcppMeterSampled, a.id).length === 2 && h.events.of(Subjects.OcppMeterSampled, b.id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppMeterSampled, b.id)[0]).toMatchObject({ transactionId: tb['transactionId'] });
    expect(h.events.of(Subjects.OcppMeterSampled, a.id).map((e) => e['transactionId'])).toEqual([ta['transactionId'], ta['transactionId']]);
  });

  it('a StartTransaction queued offline from before a remote start was requested is not linked to it; the start that follows is', async () => {
    await api(h, 'PUT', '/api/v1/id-tags/RS-QUEUED', { status: 'Accepted' });
    const cp = await booted();
    cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    expect((await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/RemoteStartTransaction`, { idTag: 'RS-QUEUED', connectorId: 1 })).status).toBe(200);
    // The charger delivers its offline queue after the request: a session of this tag two hours ago.
    const queued = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RS-QUEUED', meterStart: 0, timestamp: minutesAgo(120) });
    await send(cp, 'StopTransaction', { transactionId: queued.transactionId, meterStop: 500, timestamp: minutesAgo(90) });
    const caused = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RS-QUEUED', meterStart: 500, timestamp: new Date().toISOString() });
    const starts = await api(h, 'GET', `/api/v1/stations/${cp.identity}/remote-starts`);
    expect(starts.body.items).toEqual([expect.objectContaining({ idTag: 'RS-QUEUED', status: 'Started', transactionId: caused.transactionId })]);
  });

  it('MeterValues without a transaction id after the connector reported Available are not attached to a transaction whose stop was lost', async () => {
    const { r, id } = await station();
    const s = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'GHOST-MV', meterStart: 0, timestamp: minutesAgo(180) });
    // The charger discarded the StopTransaction after its retries; the connector is free again.
    await result(r, 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: minutesAgo(120) });
    await result(r, 'MeterValues', {
      connectorId: 1,
      meterValue: [150, 60].map((m, i) => ({ timestamp: minutesAgo(m), sampledValue: [{ value: String(1000 + i), context: 'Sample.Clock' }] })),
    });
    expect(await readings(id)).toEqual([{ transaction_id: s['transactionId'] }, { transaction_id: null }]);
  });

  it('a broken meter reporting a negative stop register below the start delivers no energy, never a negative amount', async () => {
    const { r } = await station();
    const s = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'NEG-METER', meterStart: 1200, timestamp: '2026-03-03T10:00:00Z' });
    await result(r, 'StopTransaction', { transactionId: s['transactionId'], meterStop: -40, timestamp: '2026-03-03T11:00:00Z' });
    const [row] = await h.db.query(`SELECT meter_stop_wh, energy_wh FROM transactions WHERE transaction_id = $1`, [s['transactionId']]);
    expect(row).toEqual({ meter_stop_wh: '-40', energy_wh: '0' });
  });

  it('a stop reason sent as null (serialisers that write absent fields) is the absent reason, Local, stored and published alike', async () => {
    const { r, id } = await station();
    const s = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'NULL-REASON', meterStart: 0, timestamp: '2026-03-04T10:00:00Z' });
    await result(r, 'StopTransaction', { transactionId: s['transactionId'], meterStop: 10, timestamp: '2026-03-04T11:00:00Z', reason: null });
    const [row] = await h.db.query(`SELECT stop_reason FROM transactions WHERE transaction_id = $1`, [s['transactionId']]);
    expect(row).toEqual({ stop_reason: 'Local' });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ reason: 'Local' });
  });
});
