import { OCPI_TOKEN_AUTHORIZE_SUBJECT, Subjects } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** A CALLRESULT's payload; anything else (a CALLERROR) fails the test with the frame. */
async function result(r: RawClient, action: string, payload: unknown): Promise<Record<string, unknown>> {
  const frame = (await r.call(action, payload)) as unknown[];
  expect(frame[0]).toBe(3);
  return frame[2] as Record<string, unknown>;
}

/**
 * Transaction messages a real charger sends that the bus contract cannot carry verbatim, and the
 * idTagInfo / ConcurrentTx rules around them (guide §2.1: acknowledge whenever the core fields parse).
 */
describe('transactions: lenient messages and authorisation', () => {
  let h: OcppHarness;
  let nc: NatsConnection;
  const sockets: RawClient[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '500' });
    nc = await connect({ servers: testServers.nats });
    // A stand-in for ocpi-hub that answers out of contract.
    nc.subscribe(`${h.app.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, {
      callback: (_e, msg) => {
        msg.respond(JSON.stringify({ allowed: 'MAYBE' }));
      },
    });
    await nc.flush();
    for (const [tag, status] of [['LGOOD', 'Accepted'], ['LBAD', 'Blocked'], ['LOFF', 'Accepted'], ['LTWICE', 'Accepted'], ['LLATER', 'Accepted']]) {
      await api(h, 'PUT', `/api/v1/id-tags/${tag}`, { status });
    }
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await nc.close();
    await h.close();
  });

  async function station(): Promise<{ r: RawClient; id: string }> {
    const id = uniqueStation('LEN');
    const r = await RawClient.open(`${h.wsUrl}/${id}`);
    sockets.push(r);
    await result(r, 'BootNotification', boot);
    return { r, id };
  }

  it('a stop reason outside the enumeration is stored as sent, published as the closest contract value, and frees the tag', async () => {
    const { r, id } = await station();
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 100, timestamp: '2026-01-01T10:00:00Z' });
    const txId = start['transactionId'] as number;
    expect(await result(r, 'StopTransaction', { transactionId: txId, meterStop: 600, timestamp: '2026-01-01T11:00:00Z', reason: 'Deauthorized' })).toEqual({});
    const [row] = await h.db.query(`SELECT stop_reason, energy_wh, stopped_at IS NOT NULL AS stopped FROM transactions WHERE transaction_id = $1`, [txId]);
    expect(row).toEqual({ stop_reason: 'Deauthorized', energy_wh: '500', stopped: true });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[0]).toMatchObject({ transactionId: txId, reason: 'DeAuthorized', meterStopWh: 600 });
    // The session is over: the tag is not ConcurrentTx any more.
    expect(await result(r, 'Authorize', { idTag: 'LGOOD' })).toEqual({ idTagInfo: { status: 'Accepted' } });

    const other = await result(r, 'StartTransaction', { connectorId: 2, idTag: 'LGOOD', meterStart: 0, timestamp: '2026-01-01T12:00:00Z' });
    expect(await result(r, 'StopTransaction', { transactionId: other['transactionId'], meterStop: 5, timestamp: '2026-01-01T12:30:00Z', reason: 'Vendor.Fault42' })).toEqual({});
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 2)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)[1]).toMatchObject({ transactionId: other['transactionId'], reason: 'Other' });
  });

  it('negative meter registers are stored as sent and published as 0', async () => {
    const { r, id } = await station();
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: -1, timestamp: '2026-01-02T10:00:00Z' });
    const txId = start['transactionId'] as number;
    expect(txId).toBeGreaterThan(0);
    expect(await result(r, 'StopTransaction', { transactionId: txId, meterStop: -5, timestamp: '2026-01-02T11:00:00Z' })).toEqual({});
    const [row] = await h.db.query(`SELECT meter_start_wh, meter_stop_wh, stopped_at IS NOT NULL AS stopped FROM transactions WHERE transaction_id = $1`, [txId]);
    expect(row).toEqual({ meter_start_wh: '-1', meter_stop_wh: '-5', stopped: true });
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppTransactionStarted, id)).toEqual([expect.objectContaining({ transactionId: txId, meterStartWh: 0 })]);
    expect(h.events.of(Subjects.OcppTransactionStopped, id)).toEqual([expect.objectContaining({ transactionId: txId, meterStopWh: 0 })]);
  });

  it('a stop with an empty idTag (schema-valid) is stored and answered without idTagInfo', async () => {
    const { r } = await station();
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 0, timestamp: '2026-01-03T10:00:00Z' });
    expect(await result(r, 'StopTransaction', { transactionId: start['transactionId'], meterStop: 10, timestamp: '2026-01-03T11:00:00Z', idTag: '' })).toEqual({});
    const [row] = await h.db.query(`SELECT energy_wh FROM transactions WHERE transaction_id = $1`, [start['transactionId']]);
    expect(row.energy_wh).toBe('10');
  });

  it('a free-vend start (empty idTag) is answered as an unknown tag and published without idTag, its stop too', async () => {
    const { r, id } = await station();
    // Schema-valid (no minLength): Authorize and the start are answered as for an unknown tag (§2.1).
    expect(await result(r, 'Authorize', { idTag: '' })).toEqual({ idTagInfo: { status: 'Invalid' } });
    const start = await result(r, 'StartTransaction', { connectorId: 2, idTag: '', meterStart: 50, timestamp: '2026-01-03T12:00:00Z' });
    expect(start).toEqual({ transactionId: expect.any(Number), idTagInfo: { status: 'Invalid' } });
    const txId = start['transactionId'] as number;
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStarted, id).length === 1)).toBe(true);
    const [started] = h.events.of(Subjects.OcppTransactionStarted, id);
    expect(started).toMatchObject({ transactionId: txId, connectorId: 2, meterStartWh: 50 });
    expect(started).not.toHaveProperty('idTag');
    expect(await result(r, 'StopTransaction', { transactionId: txId, meterStop: 80, timestamp: '2026-01-03T13:00:00Z', idTag: '' })).toEqual({});
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
    const [stopped] = h.events.of(Subjects.OcppTransactionStopped, id);
    expect(stopped).toMatchObject({ transactionId: txId, meterStopWh: 80 });
    expect(stopped).not.toHaveProperty('idTag');
  });

  it("StopTransaction's idTagInfo is the stop tag's current authorisation, for known and unknown transactions, retries included", async () => {
    const { r } = await station();
    const a = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 0, timestamp: '2026-01-04T10:00:00Z' });
    const stopByBlocked = { transactionId: a['transactionId'], meterStop: 100, timestamp: '2026-01-04T11:00:00Z', idTag: 'LBAD' };
    expect(await result(r, 'StopTransaction', stopByBlocked)).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await result(r, 'StopTransaction', stopByBlocked)).toEqual({ idTagInfo: { status: 'Blocked' } });
    const orphan = { transactionId: 987_654_321, meterStop: 100, timestamp: '2026-01-04T11:00:00Z', idTag: 'LBAD' };
    expect(await result(r, 'StopTransaction', orphan)).toEqual({ idTagInfo: { status: 'Blocked' } });

    // The start was ConcurrentTx (the tag was in another session then); its stop is not.
    const first = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LTWICE', meterStart: 0, timestamp: '2026-01-04T12:00:00Z' });
    const second = await result(r, 'StartTransaction', { connectorId: 2, idTag: 'LTWICE', meterStart: 0, timestamp: '2026-01-04T12:10:00Z' });
    expect(second['idTagInfo']).toEqual({ status: 'ConcurrentTx' });
    expect(await result(r, 'StopTransaction', { transactionId: first['transactionId'], meterStop: 1, timestamp: '2026-01-04T12:20:00Z' })).toEqual({});
    expect(await result(r, 'StopTransaction', { transactionId: second['transactionId'], meterStop: 1, timestamp: '2026-01-04T12:30:00Z', idTag: 'LTWICE' })).toEqual({
      idTagInfo: { status: 'Accepted' },
    });
  });

  it('optional fields sent as null are read as absent: the messages are stored, not refused and lost', async () => {
    const { r, id } = await station();
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 0, timestamp: '2026-01-06T10:00:00Z', reservationId: null });
    const txId = start['transactionId'] as number;
    expect(txId).toBeGreaterThan(0);
    expect(await result(r, 'MeterValues', { connectorId: 1, transactionId: null, meterValue: [{ timestamp: '2026-01-06T10:30:00Z', sampledValue: [{ value: '50' }] }] })).toEqual({});
    expect(await result(r, 'StopTransaction', { transactionId: txId, meterStop: 100, timestamp: '2026-01-06T11:00:00Z', idTag: null, reason: null, transactionData: null })).toEqual({});
    const [row] = await h.db.query(`SELECT energy_wh, stop_reason FROM transactions WHERE transaction_id = $1`, [txId]);
    expect(row).toEqual({ energy_wh: '100', stop_reason: 'Local' });
    // The reading without its id went to the transaction running on its connector then.
    expect(await h.db.query(`SELECT transaction_id FROM meter_readings WHERE station_id = $1`, [id])).toEqual([{ transaction_id: txId }]);
  });

  it('a retried stop for an unknown transaction is kept once', async () => {
    const { r, id } = await station();
    const stop = { transactionId: 123_456_789, meterStop: 100, timestamp: '2026-01-05T11:00:00Z' };
    for (let i = 0; i < 3; i++) expect(await result(r, 'StopTransaction', stop)).toEqual({});
    await result(r, 'StopTransaction', { ...stop, meterStop: 200 });
    const rows = await h.db.query(`SELECT payload->>'meterStop' AS meter FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction' ORDER BY id`, [id]);
    expect(rows).toEqual([{ meter: '100' }, { meter: '200' }]);
  });

  it('MeterValues without a transaction id: each reading goes to the transaction running at its own timestamp', async () => {
    const { r, id } = await station();
    const s1 = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 0, timestamp: '2026-02-01T10:00:00Z' });
    await result(r, 'StopTransaction', { transactionId: s1['transactionId'], meterStop: 100, timestamp: '2026-02-01T11:00:00Z' });
    const s2 = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'LGOOD', meterStart: 100, timestamp: '2026-02-01T12:00:00Z' });
    await result(r, 'MeterValues', {
      connectorId: 1,
      meterValue: ['09:50', '10:30', '11:30', '12:30'].map((t, i) => ({ timestamp: `2026-02-01T${t}:00Z`, sampledValue: [{ value: String(i * 50), context: 'Sample.Clock' }] })),
    });
    const rows = await h.db.query(`SELECT to_char(sampled_at AT TIME ZONE 'UTC', 'HH24:MI') AS at, transaction_id FROM meter_readings WHERE station_id = $1 ORDER BY sampled_at`, [id]);
    expect(rows).toEqual([
      { at: '09:50', transaction_id: null },
      { at: '10:30', transaction_id: s1['transactionId'] },
      { at: '11:30', transaction_id: null },
      { at: '12:30', transaction_id: s2['transactionId'] },
    ]);
  });

  it('a start queued offline is not ConcurrentTx because of a later session of the same tag; an overlapping one still is', async () => {
    const a = await station();
    const b = await station();
    const online = await result(b.r, 'StartTransaction', { connectorId: 1, idTag: 'LOFF', meterStart: 0, timestamp: hoursAgo(1) });
    expect(online['idTagInfo']).toEqual({ status: 'Accepted' });
    const queued = await result(a.r, 'StartTransaction', { connectorId: 1, idTag: 'LOFF', meterStart: 0, timestamp: hoursAgo(2) });
    expect(queued['idTagInfo']).toEqual({ status: 'Accepted' });
    // Its stop (also queued) came before the online session began: still not concurrent.
    await result(a.r, 'StopTransaction', { transactionId: queued['transactionId'], meterStop: 10, timestamp: hoursAgo(1.5) });
    const overlapping = await result(a.r, 'StartTransaction', { connectorId: 2, idTag: 'LOFF', meterStart: 0, timestamp: hoursAgo(0.5) });
    expect(overlapping['idTagInfo']).toEqual({ status: 'ConcurrentTx' });
    // Authorize (no timestamp): any running session counts.
    expect(await result(a.r, 'Authorize', { idTag: 'LOFF' })).toEqual({ idTagInfo: { status: 'ConcurrentTx' } });
    // A session that ended before a queued start does not count either (started and stopped earlier).
    const early = await result(b.r, 'StartTransaction', { connectorId: 2, idTag: 'LLATER', meterStart: 0, timestamp: hoursAgo(5) });
    await result(b.r, 'StopTransaction', { transactionId: early['transactionId'], meterStop: 1, timestamp: hoursAgo(4) });
    expect((await result(a.r, 'StartTransaction', { connectorId: 3, idTag: 'LLATER', meterStart: 0, timestamp: hoursAgo(3) }))['idTagInfo']).toEqual({ status: 'Accepted' });
  });

  it('a roaming hub reply that breaks the contract counts as no answer: the start is stored with the configured default', async () => {
    const { r } = await station();
    const start = await result(r, 'StartTransaction', { connectorId: 1, idTag: 'ROAM-X', meterStart: 0, timestamp: '2026-01-06T10:00:00Z' });
    expect(start).toEqual({ transactionId: expect.any(Number), idTagInfo: { status: 'Invalid' } });
    const [row] = await h.db.query(`SELECT id_tag_status FROM transactions WHERE transaction_id = $1`, [start['transactionId']]);
    expect(row.id_tag_status).toBe('Invalid');
  });
});
