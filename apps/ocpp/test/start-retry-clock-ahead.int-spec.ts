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

  it('finds a start kept as ahead without a stamp column (an older pod during the rollout, or before the release) when its retry comes with the stamp within the tolerance, still ahead of its receipt', async () => {
    const cp = await booted();
    const service = ocpp().app.app.get(TransactionService);
    // Kept as ahead 10 minutes ago (20 minutes ahead then); the retry now is 10 minutes ahead: within the tolerance.
    const receivedAt = new Date(Date.now() - 10 * MINUTE);
    const start = { connectorId: 1, idTag: 'AHEAD-OLD-2', meterStart: 0, timestamp: new Date(receivedAt.getTime() + 20 * MINUTE).toISOString() };
    const first = await service.start(cp.identity, { ...start }, receivedAt);
    await ocpp().db.query(`UPDATE transactions SET start_sent_at = NULL WHERE transaction_id = $1`, [first.transactionId]);
    expect((await send(cp, 'StartTransaction', { ...start })).transactionId).toBe(first.transactionId);
    expect(await rows(cp.identity)).toHaveLength(1);
  });
});

/**
 * The migration runs at boot, under the startup probe, while older pods serve: it must not read the
 * very large `station_messages` (no index has its `kind`: a backfill joined to it scans it whole).
 */
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

  it('adds the column and its partial index without reading station_messages, also when run again', async () => {
    const runner = db.createQueryRunner();
    const statements: string[] = [];
    const query = runner.query.bind(runner);
    runner.query = ((sql: string, ...rest: unknown[]) => {
      statements.push(sql);
      return (query as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as typeof runner.query;
    try {
      await new StartSentStamp1766000006200().up(runner);
      await new StartSentStamp1766000006200().up(runner); // a boot after a half-done run
    } finally {
      await runner.release();
    }
    expect(statements.filter((sql) => /station_messages/i.test(sql))).toEqual([]);
    const index: { indexdef: string }[] = await db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'transactions_start_sent'`);
    expect(index[0]?.indexdef).toMatch(/WHERE \(start_sent_at IS NOT NULL\)/);
  });
});
