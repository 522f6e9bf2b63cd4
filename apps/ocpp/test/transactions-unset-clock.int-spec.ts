import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { TransactionRepository } from '../src/transactions/transaction.repository.js';
import { TransactionService } from '../src/transactions/transaction.service.js';
import { api, ocppSuite, send } from './harness.js';

const EPOCH = '1970-01-01T00:00:05Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Within a minute of now: the time of record of a message stamped by an unset clock is its receipt. */
const recent = (at: unknown): boolean => {
  const ms = at instanceof Date ? at.getTime() : Date.parse(String(at));
  return ms > Date.now() - 60_000 && ms <= Date.now() + 1000;
};

/**
 * A charger without a clock battery comes back from a power loss at 1970 (or its RTC's 2000) and
 * stamps its transaction messages so until it sets its clock: those stamps are no time.
 */
describe('transactions stamped by an unset charger clock', () => {
  const { ocpp, booted } = ocppSuite();

  const transaction = async (id: number) =>
    ((await ocpp().db.query(`SELECT started_at, stopped_at FROM transactions WHERE transaction_id = $1`, [id])) as { started_at: Date; stopped_at: Date | null }[])[0]!;

  it('starts at its receipt: stored, published and listed by a recent time range; a retry of the same 1970 start gets the same transaction', async () => {
    const cp = await booted();
    const start = { connectorId: 1, idTag: 'EPOCH-1', meterStart: 1200, timestamp: EPOCH };
    const first = await send(cp, 'StartTransaction', start);
    expect(recent((await transaction(first.transactionId)).started_at)).toBe(true);
    expect(await eventually(() => ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity).length === 1)).toBe(true);
    expect(recent(ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity)[0]!['startedAt'])).toBe(true);
    const listed = await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}&from=${new Date(Date.now() - 60_000).toISOString()}`);
    expect(listed.body.items.map((t: { transactionId: number }) => t.transactionId)).toEqual([first.transactionId]);

    // The charger missed the answer and resends the same message later (its receipt time differs).
    await sleep(1100);
    const retried = await send(cp, 'StartTransaction', { ...start });
    expect(retried.transactionId).toBe(first.transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [cp.identity])).toHaveLength(1);
    // The charger's message is kept as it sent it.
    const kept = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/messages`);
    expect(kept.body.items.map((m: { payload: unknown }) => m.payload)).toContainEqual(start);

    // Another start from the same unset clock (another second) is another session.
    const other = await send(cp, 'StartTransaction', { ...start, timestamp: '1970-01-01T00:00:09Z' });
    expect(other.transactionId).not.toBe(first.transactionId);
    await sleep(300);
    expect(ocpp().events.of(Subjects.OcppTransactionStarted, cp.identity)).toHaveLength(2);
  });

  it('takes the same 1970 start after another power loss (a meter reset per session) for a new session once the first has stopped, not for its retry', async () => {
    const cp = await booted();
    // A free-vend charger that starts the car left plugged in as it powers up: the same second after
    // the epoch, the same (empty) tag, a meter counting from 0 each session.
    const start = { connectorId: 1, idTag: '', meterStart: 0, timestamp: EPOCH };
    const first = await send(cp, 'StartTransaction', start);
    await send(cp, 'StopTransaction', { transactionId: first.transactionId, meterStop: 4000, timestamp: '1970-01-01T01:00:00Z', reason: 'PowerLoss' });
    await sleep(1100);
    // Power is back: the clock starts at the epoch again, and so does the next session.
    const second = await send(cp, 'StartTransaction', { ...start });
    expect(second.transactionId).not.toBe(first.transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1 AND stopped_at IS NULL`, [cp.identity])).toHaveLength(1);
  });

  it('gives copies of a 1970 start handled at once (two replicas, a resend after a half-open socket) one transaction', async () => {
    const cp = await booted();
    const start = { connectorId: 1, idTag: 'EPOCH-RACE', meterStart: 0, timestamp: EPOCH };
    // Each replica handles its copy in its own database transaction, each received at its own time.
    const service = ocpp().app.app.get(TransactionService);
    const answers = await Promise.all([0, 1, 2, 3].map((i) => service.start(cp.identity, { ...start }, new Date(Date.now() + i))));
    expect(new Set(answers.map((a) => a.transactionId)).size).toBe(1);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [cp.identity])).toHaveLength(1);
  });

  it('stores MeterValues stamped 1970 at their receipt, none dropped, with or without the transaction id, listed for a recent time range', async () => {
    const cp = await booted();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'EPOCH-MV', meterStart: 0, timestamp: EPOCH });
    const reading = (at: string, wh: number) => ({ timestamp: at, sampledValue: [{ value: String(wh) }] });
    const since = new Date(Date.now() - 1000).toISOString();
    await send(cp, 'MeterValues', { connectorId: 1, transactionId, meterValue: [reading('1970-01-01T00:00:35Z', 100), reading('1970-01-01T00:00:40Z', 150), reading('1970-01-01T00:00:45Z', 200)] });
    // A clock-aligned reading without the id: attached to the transaction running at its time of record.
    await send(cp, 'MeterValues', { connectorId: 1, meterValue: [reading('1970-01-01T00:01:00Z', 300)] });
    const listed = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/meter-values?from=${since}`);
    expect(listed.body.items.map((s: { value: number; transactionId: number }) => [s.value, s.transactionId])).toEqual([100, 150, 200, 300].map((v) => [v, transactionId]));
    expect(listed.body.items.every((s: { sampledAt: string }) => recent(s.sampledAt))).toBe(true);
    expect(await eventually(() => ocpp().events.of(Subjects.OcppMeterSampled, cp.identity).length === 4)).toBe(true);
    expect(ocpp().events.of(Subjects.OcppMeterSampled, cp.identity).every((e) => recent(e['timestamp']))).toBe(true);
    // The running energy reads the latest of them (the charger's last).
    const running = await api(ocpp(), 'GET', `/api/v1/transactions?stationId=${cp.identity}`);
    expect(running.body.items[0]).toMatchObject({ transactionId, energyWh: 300 });
  });

  it('stops a real-time start at its receipt when stamped 1970 (never a negative duration); its transactionData too; a retry is the same stop', async () => {
    const cp = await booted();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'EPOCH-STOP', meterStart: 0, timestamp: new Date(Date.now() - 600_000).toISOString() });
    const stop = {
      transactionId,
      idTag: 'EPOCH-STOP',
      meterStop: 5000,
      timestamp: '1970-01-01T00:02:00Z',
      reason: 'PowerLoss' as const,
      transactionData: [{ timestamp: '1970-01-01T00:01:50Z', sampledValue: [{ value: '4900' }] }],
    };
    await send(cp, 'StopTransaction', stop);
    const stored = await transaction(transactionId);
    expect(recent(stored.stopped_at)).toBe(true);
    expect(stored.stopped_at!.getTime()).toBeGreaterThanOrEqual(stored.started_at.getTime());
    expect(await eventually(() => ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity).length === 1)).toBe(true);
    expect(recent(ocpp().events.of(Subjects.OcppTransactionStopped, cp.identity)[0]!['stoppedAt'])).toBe(true);
    const readings: { sampled_at: Date }[] = await ocpp().db.query(`SELECT sampled_at FROM meter_readings WHERE station_id = $1`, [cp.identity]);
    expect(readings.map((r) => recent(r.sampled_at))).toEqual([true]);

    // Resent later: acknowledged as the stop it repeats, not kept as another session's.
    await sleep(1100);
    await send(cp, 'StopTransaction', stop);
    expect(await ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity])).toHaveLength(0);
    expect(await ocpp().db.query(`SELECT 1 FROM meter_readings WHERE station_id = $1`, [cp.identity])).toHaveLength(1);
    // A different stop under the id (another session, same unset clock) is still kept for reconciliation.
    await send(cp, 'StopTransaction', { ...stop, meterStop: 7000, timestamp: '1970-01-01T00:09:00Z', transactionData: undefined });
    expect(await ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity])).toHaveLength(1);
  });

  it('recognises the retry of a 1970 start or stop a replica of the previous release stored as stamped (a rolling update): no second transaction, no orphan stop', async () => {
    const cp = await booted();
    const start = { connectorId: 1, idTag: 'EPOCH-ROLL', meterStart: 300, timestamp: EPOCH };
    // The previous release stored the start at its stamp, and kept no message.
    const old = await ocpp().app.app.get(DataSource).transaction((tx) =>
      ocpp().app.app.get(TransactionRepository).insertOrGet(tx, { stationId: cp.identity, connectorId: 1, idTag: 'EPOCH-ROLL', idTagStatus: 'Accepted', meterStartWh: 300, startedAt: new Date(EPOCH) }),
    );
    const retried = await send(cp, 'StartTransaction', { ...start });
    expect(retried.transactionId).toBe(old.row.transactionId);
    expect(await ocpp().db.query(`SELECT 1 FROM transactions WHERE station_id = $1`, [cp.identity])).toHaveLength(1);
    // Its stop, stored at its stamp by the previous release too, then resent to this one.
    const stop = { transactionId: old.row.transactionId, meterStop: 900, timestamp: '1970-01-01T00:30:00Z' };
    await send(cp, 'StopTransaction', stop);
    await ocpp().db.query(`UPDATE transactions SET stopped_at = $2 WHERE transaction_id = $1`, [old.row.transactionId, new Date(stop.timestamp)]);
    await ocpp().db.query(`DELETE FROM station_messages WHERE station_id = $1 AND kind = 'StopTransactionUnsetClock'`, [cp.identity]);
    await send(cp, 'StopTransaction', stop);
    expect(await ocpp().db.query(`SELECT 1 FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction'`, [cp.identity])).toHaveLength(0);
  });

  it('takes an RTC default (2000-01-01) as unset too, and a 2010 stamp as the time it says', async () => {
    const cp = await booted();
    const rtc = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'RTC', meterStart: 0, timestamp: '2000-01-01T00:00:30Z' });
    expect(recent((await transaction(rtc.transactionId)).started_at)).toBe(true);
    const real = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'RTC', meterStart: 0, timestamp: '2010-01-01T00:00:00Z' });
    expect((await transaction(real.transactionId)).started_at.toISOString()).toBe('2010-01-01T00:00:00.000Z');
  });
});
