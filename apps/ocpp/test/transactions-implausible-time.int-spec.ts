import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { TransactionService } from '../src/transactions/transaction.service.js';
import { api, ocppSuite, send } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const HOUR = 3_600_000;
/** Within a minute of now: the time of record of a message whose stamp is not taken is its receipt. */
const recent = (at: unknown): boolean => {
  const ms = at instanceof Date ? at.getTime() : Date.parse(String(at));
  return ms > Date.now() - 60_000 && ms <= Date.now() + 1000;
};

/**
 * Stamps from a clock that is set but wrong: set back during a session (a stop before its start),
 * or ahead by hours (a local time sent as UTC). Neither may make a session run backwards or start
 * in the future; the charger's message is kept as sent and its retry is still the same message.
 */
describe('transactions with implausible charger timestamps', () => {
  const { ocpp, booted } = ocppSuite();

  const transaction = async (id: number) =>
    ((await ocpp().db.query(`SELECT started_at, stopped_at FROM transactions WHERE transaction_id = $1`, [id])) as { started_at: Date; stopped_at: Date | null }[])[0]!;
  const kept = async (stationId: string, kind: string) =>
    ((await ocpp().db.query(`SELECT payload FROM station_messages WHERE station_id = $1 AND kind = $2`, [stationId, kind])) as { payload: unknown }[]).map((m) => m.payload);
  const orphans = async (stationId: string) => ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [stationId]);

  it('stops a stop stamped before its start at its receipt (start <= stop, stored and published), keeps it as sent, and takes its retry for the same stop', async () => {
    const cp = await booted();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'BACK-1', meterStart: 1000, timestamp: iso(-60_000) });
    // NTP pulled the clock back an hour during the session.
    const stop = { transactionId, idTag: 'BACK-1', meterStop: 3000, timestamp: iso(-HOUR), reason: 'Local' as const };
    await send(cp, 'StopTransaction', stop);
    const stored = await transaction(transactionId);
    expect(recent(stored.stopped_at)).toBe(true);
    expect(stored.stopped_at!.getTime()).toBeGreaterThanOrEqual(stored.started_at.getTime());
    expect(await eventually(() => ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity).length === 1)).toBe(true);
    const published = ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity)[0]!;
    expect(Date.parse(String(published['stoppedAt']))).toBe(stored.stopped_at!.getTime());
    expect(await kept(cp.identity, 'StopTransactionBeforeStart')).toEqual([stop]);

    await sleep(1100);
    await send(cp, 'StopTransaction', { ...stop });
    expect(await orphans(cp.identity)).toHaveLength(0);
    expect((await transaction(transactionId)).stopped_at!.getTime()).toBe(stored.stopped_at!.getTime());
    await sleep(300);
    expect(ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity)).toHaveLength(1);
    // Another stop under the id is still another session's, kept for reconciliation.
    await send(cp, 'StopTransaction', { ...stop, meterStop: 9000 });
    expect(await orphans(cp.identity)).toHaveLength(1);
  });

  it('starts a start stamped hours ahead at its receipt, kept as sent; its retry (still ahead) gets the same transaction; a stop ahead is stopped at receipt and recognised when retried', async () => {
    const cp = await booted();
    const start = { connectorId: 1, idTag: 'AHEAD-1', meterStart: 0, timestamp: iso(2 * HOUR) };
    const first = await send(cp, 'StartTransaction', start);
    expect(recent((await transaction(first.transactionId)).started_at)).toBe(true);
    expect(await eventually(() => ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity).length === 1)).toBe(true);
    expect(recent(ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity)[0]!['startedAt'])).toBe(true);
    expect(await kept(cp.identity, 'StartTransactionClockAhead')).toEqual([start]);
    await sleep(1100);
    expect((await send(cp, 'StartTransaction', { ...start })).transactionId).toBe(first.transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [cp.identity])).toHaveLength(1);
    // Listed in a recent time range, not two hours from now.
    const listed = await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}&from=${new Date(Date.now() - 60_000).toISOString()}`);
    expect(listed.body.items.map((t: { transactionId: number }) => t.transactionId)).toEqual([first.transactionId]);

    const stop = { transactionId: first.transactionId, meterStop: 2000, timestamp: iso(2 * HOUR + 5000) };
    await send(cp, 'StopTransaction', stop);
    const stored = await transaction(first.transactionId);
    expect(recent(stored.stopped_at)).toBe(true);
    expect(stored.stopped_at!.getTime()).toBeGreaterThanOrEqual(stored.started_at.getTime());
    await sleep(1100);
    await send(cp, 'StopTransaction', { ...stop });
    expect(await orphans(cp.identity)).toHaveLength(0);
  });

  it('recognises the retry of a start and of a stop kept as ahead once their stamps are no longer beyond the tolerance (the retry received later)', async () => {
    const cp = await booted();
    const service = ocpp().app.app.get(TransactionService);
    const t0 = Date.now();
    const start = { connectorId: 1, idTag: 'AHEAD-2', meterStart: 0, timestamp: new Date(t0 + 20 * 60_000).toISOString() };
    const first = await service.start(cp.identity, { ...start }, new Date(t0));
    // Resent ten minutes later: now only 10 minutes ahead, a plausible stamp on its own.
    const retried = await service.start(cp.identity, { ...start }, new Date(t0 + 10 * 60_000));
    expect(retried.transactionId).toBe(first.transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [cp.identity])).toHaveLength(1);

    const stop = { transactionId: first.transactionId, meterStop: 500, timestamp: new Date(t0 + 40 * 60_000).toISOString() };
    await service.stop(cp.identity, { ...stop }, new Date(t0 + 11 * 60_000));
    await service.stop(cp.identity, { ...stop }, new Date(t0 + 30 * 60_000));
    expect(await orphans(cp.identity)).toHaveLength(0);
  });

  it('keeps a stamp a few minutes ahead (drift within the tolerance) as sent', async () => {
    const cp = await booted();
    const timestamp = iso(5 * 60_000);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'DRIFT', meterStart: 0, timestamp });
    expect((await transaction(transactionId)).started_at.toISOString()).toBe(timestamp);
    // Stopped at once by a charger whose clock was just corrected: not before its start.
    await send(cp, 'StopTransaction', { transactionId, meterStop: 10, timestamp: iso(0) });
    const stored = await transaction(transactionId);
    expect(stored.stopped_at!.toISOString()).toBe(timestamp);
  });

  it('stores MeterValues stamped hours ahead at their receipt, like the session they belong to; a reading a few minutes ahead as stamped', async () => {
    const cp = await booted();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'AHEAD-MV', meterStart: 0, timestamp: iso(2 * HOUR) });
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: iso(2 * HOUR + 60_000), sampledValue: [{ value: '500' }] }] });
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: iso(5 * 60_000), sampledValue: [{ value: '600' }] }] });
    const readings: { sampled_at: Date }[] = await ocpp().db.query(`SELECT sampled_at FROM meter_readings WHERE station_id = $1 ORDER BY id`, [cp.identity]);
    expect(readings).toHaveLength(2);
    // Hours ahead: at receipt, inside the session recorded at receipt, not two hours after it.
    expect(recent(readings[0]!.sampled_at)).toBe(true);
    expect(readings[0]!.sampled_at.getTime()).toBeGreaterThanOrEqual((await transaction(transactionId)).started_at.getTime());
    // Within the tolerance: the charger's time.
    expect(readings[1]!.sampled_at.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });
});
