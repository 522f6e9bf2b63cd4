import { Subjects } from '@cpo/contracts';
import { createDatabase, dropDatabase, eventually, uniqueSuffix } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { StartSentStamp1766000006200 } from '../src/migrations/1766000006200-start-sent-stamp.js';
import { migrations } from '../src/migrations/index.js';
import { TransactionService } from '../src/transactions/transaction.service.js';
import { ocppSuite, send } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A StartTransaction stamped beyond the tolerance ahead (a local time sent as UTC) is recorded at
 * its receipt. A charger whose answer was lost resends it, queued, after reconnecting (OCPP 1.6
 * §4.8), possibly hours later, when the stamp has passed and reads as a plausible past time: it is
 * still the same start, and must not open a second session (a second roaming Session and CDR).
 * The first copy is handled by the service with the receipt of three hours ago, as it was then;
 * the retry comes over the charger's socket now.
 */
describe('StartTransaction kept as ahead, retried once its stamp has passed', () => {
  const { ocpp, booted } = ocppSuite();
  const rows = async (stationId: string) => (await ocpp().db.query(`SELECT transaction_id FROM transactions WHERE station_id = $1`, [stationId])) as unknown[];
  const startedEvents = (stationId: string) => ocpp().events.of(Subjects.OcppTransactionStarted, stationId);

  async function aheadStart(idTag: string) {
    const cp = await booted();
    const receivedAt = new Date(Date.now() - 3 * HOUR);
    const start = { connectorId: 1, idTag, meterStart: 4200, timestamp: new Date(receivedAt.getTime() + 20 * MINUTE).toISOString() };
    const first = await ocpp().app.app.get(TransactionService).start(cp.identity, { ...start }, receivedAt);
    expect(await eventually(() => startedEvents(cp.identity).length === 1)).toBe(true);
    return { cp, start, first, receivedAt };
  }

  it('answers the retry with the first transaction id and stores no second transaction', async () => {
    const { cp, start, first } = await aheadStart('AHEAD-PAST-1');
    const retried = await send(cp, 'StartTransaction', { ...start });
    expect(retried.transactionId).toBe(first.transactionId);
    expect(await rows(cp.identity)).toHaveLength(1);
    await sleep(300);
    expect(startedEvents(cp.identity)).toHaveLength(1);
    // Another start at the same stamp (another meterStart) is another session.
    const other = await send(cp, 'StartTransaction', { ...start, meterStart: 9000 });
    expect(other.transactionId).not.toBe(first.transactionId);
  });

  it('answers the retry with the first transaction id also once that transaction was stopped', async () => {
    const { cp, start, first, receivedAt } = await aheadStart('AHEAD-PAST-2');
    const service = ocpp().app.app.get(TransactionService);
    await service.stop(cp.identity, { transactionId: first.transactionId, meterStop: 5200, timestamp: new Date(receivedAt.getTime() + HOUR).toISOString() }, new Date(receivedAt.getTime() + 40 * MINUTE));
    const retried = await send(cp, 'StartTransaction', { ...start });
    expect(retried.transactionId).toBe(first.transactionId);
    expect(await rows(cp.identity)).toHaveLength(1);
  });

  it('still finds a start kept as ahead by the previous release (no stamp column) while its stamp is ahead', async () => {
    const cp = await booted();
    const service = ocpp().app.app.get(TransactionService);
    const start = { connectorId: 1, idTag: 'AHEAD-OLD', meterStart: 0, timestamp: new Date(Date.now() + 2 * HOUR).toISOString() };
    const first = await service.start(cp.identity, { ...start });
    await ocpp().db.query(`UPDATE transactions SET start_sent_at = NULL WHERE transaction_id = $1`, [first.transactionId]);
    expect((await send(cp, 'StartTransaction', { ...start })).transactionId).toBe(first.transactionId);
    expect(await rows(cp.identity)).toHaveLength(1);
  });
});

/** Starts kept as ahead before the column existed get their stamp as sent, so their late retries are found too. */
describe('start sent stamp migration', () => {
  const database = `ocpp_sentstamp_${uniqueSuffix()}`;
  let db: DataSource;

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: await createDatabase(database), migrations: migrations.filter((m) => m !== StartSentStamp1766000006200) });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(database);
  });

  it('fills start_sent_at from the StartTransactionClockAhead kept at the start, and nothing else', async () => {
    const at = '2026-12-01T10:00:00.000Z';
    const insert = (id: number, meterStart: number) =>
      db.query(
        `INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at) VALUES ($1, 'CP-M', 1, 'Tag', 'Accepted', $2, $3)`,
        [id, meterStart, at],
      );
    await insert(1, 100);
    await insert(2, 200);
    await db.query(`INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at) VALUES (3, 'CP-M', 1, 'x', 'Accepted', 0, '1970-01-01T00:00:00Z')`);
    const keep = (kind: string, payload: unknown) => db.query(`INSERT INTO station_messages (station_id, kind, payload, received_at) VALUES ('CP-M', $1, $2, $3)`, [kind, JSON.stringify(payload), at]);
    // Sent without a zone (read as UTC), as the tag in another case.
    await keep('StartTransactionClockAhead', { connectorId: 1, idTag: 'TAG', meterStart: 100, timestamp: '2026-12-01T11:00:00' });
    await keep('StartTransactionUnsetClock', { connectorId: 1, idTag: 'Tag', meterStart: 200, timestamp: '1970-01-01T00:00:05Z' });
    const runner = db.createQueryRunner();
    try {
      await new StartSentStamp1766000006200().up(runner);
      await new StartSentStamp1766000006200().up(runner); // a boot after a half-done run
    } finally {
      await runner.release();
    }
    const filled: { transaction_id: number; start_sent_at: Date | null }[] = await db.query(`SELECT transaction_id, start_sent_at FROM transactions ORDER BY 1`);
    expect(filled.map((r) => [r.transaction_id, r.start_sent_at?.toISOString() ?? null])).toEqual([
      [1, '2026-12-01T11:00:00.000Z'],
      [2, null],
      [3, null],
    ]);
  });
});
