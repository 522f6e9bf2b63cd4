import { randomUUID } from 'node:crypto';
import { createDatabase, dropDatabase, uniqueSuffix } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { TransactionStartKeyCaseInsensitive1765800000120 } from '../src/migrations/1765800000120-transaction-start-key-case-insensitive.js';
import { migrations } from '../src/migrations/index.js';
import { TransactionRepository } from '../src/transactions/transaction.repository.js';
import { api, ocppSuite, send } from './harness.js';

/**
 * IdToken is a CiString: a charger (or a firmware re-encoding) may retry a StartTransaction, or a
 * StopTransaction of a transaction we do not know, with the tag in another case. It is the same
 * message and must not bill a second session or keep a second orphan stop.
 */
describe('StartTransaction and StopTransaction retries with the tag in another case', () => {
  const { ocpp, booted } = ocppSuite();

  it('a retried start with the tag in another case gets the first transaction id, and one row is stored', async () => {
    const tag = `rt-${randomUUID().slice(0, 8)}`;
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag.toUpperCase()}`, { status: 'Accepted' });
    const cp = await booted();
    const start = { connectorId: 1, meterStart: 1234, timestamp: new Date(Date.now() - 60_000).toISOString() };
    const first = await send(cp, 'StartTransaction', { ...start, idTag: tag });
    const retry = await send(cp, 'StartTransaction', { ...start, idTag: tag.toUpperCase() });
    expect(retry).toEqual(first);
    expect(first.idTagInfo.status).toBe('Accepted');
    const rows = await ocpp().db.query(`SELECT transaction_id, id_tag FROM transactions WHERE station_id = $1`, [cp.identity]);
    expect(rows).toEqual([{ transaction_id: first.transactionId, id_tag: tag }]);
  });

  it('a retried stop of an unknown transaction with the tag in another case is kept once', async () => {
    const cp = await booted();
    const stop = { transactionId: 987_654_321, meterStop: 500, timestamp: new Date().toISOString() };
    expect(await send(cp, 'StopTransaction', { ...stop, idTag: 'orphan-ab12' })).toEqual({ idTagInfo: expect.anything() });
    await send(cp, 'StopTransaction', { ...stop, idTag: 'ORPHAN-AB12' });
    // A different stop is still kept.
    await send(cp, 'StopTransaction', { ...stop, idTag: 'ORPHAN-AB12', meterStop: 600 });
    const rows = await ocpp().db.query(
      `SELECT payload->>'idTag' AS tag, payload->>'meterStop' AS meter FROM station_messages WHERE station_id = $1 AND kind = 'OrphanStopTransaction' ORDER BY id`,
      [cp.identity],
    );
    expect(rows).toEqual([{ tag: 'orphan-ab12', meter: '500' }, { tag: 'ORPHAN-AB12', meter: '600' }]);
  });
});

/** Starts stored twice (in two cases) before the migration are kept, the later ones marked and left out of the new key. */
describe('transaction start key migration', () => {
  const database = `ocpp_startkey_${uniqueSuffix()}`;
  let db: DataSource;
  const migration = new TransactionStartKeyCaseInsensitive1765800000120();

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: await createDatabase(database), migrations: migrations.filter((m) => m !== TransactionStartKeyCaseInsensitive1765800000120) });
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await db?.destroy();
    await dropDatabase(database);
  });

  it('keeps every row, marks the later copies, dedupes new retries by the first one, and goes back', async () => {
    const at = '2026-12-01T08:00:00Z';
    await db.query(`
      INSERT INTO transactions (transaction_id, station_id, connector_id, id_tag, id_tag_status, meter_start_wh, started_at) VALUES
        (11, 'CP-1', 1, 'tag-a', 'Accepted', 100, '${at}'),
        (12, 'CP-1', 1, 'TAG-A', 'Accepted', 100, '${at}'),
        (13, 'CP-1', 1, 'Tag-A', 'Accepted', 100, '${at}'),
        (14, 'CP-1', 1, 'tag-a', 'Accepted', 200, '${at}'),
        (15, 'CP-1', 2, 'TAG-B', 'Invalid', 100, '${at}')`);
    const runner = db.createQueryRunner();
    try {
      await migration.up(runner);
      await migration.up(runner); // a boot after a half-done run
      const marked = await db.query(`SELECT transaction_id, start_duplicate_of FROM transactions ORDER BY transaction_id`);
      expect(marked).toEqual([
        { transaction_id: 11, start_duplicate_of: null },
        { transaction_id: 12, start_duplicate_of: 11 },
        { transaction_id: 13, start_duplicate_of: 11 },
        { transaction_id: 14, start_duplicate_of: null },
        { transaction_id: 15, start_duplicate_of: null },
      ]);
      expect(await db.query(`SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'transactions_start_lower_key'::regclass`)).toEqual([{ indisvalid: true, indisunique: true }]);

      const repo = new TransactionRepository(db);
      const retry = (idTag: string, meterStartWh: number, connectorId = 1) =>
        repo.insertOrGet(db.manager, { stationId: 'CP-1', connectorId, idTag, idTagStatus: 'Accepted', meterStartWh, startedAt: new Date(at) });
      expect(await retry('TAG-a', 100)).toEqual({ created: false, row: expect.objectContaining({ transactionId: 11, idTag: 'tag-a' }) });
      expect(await retry('TAG-A', 100)).toEqual({ created: false, row: expect.objectContaining({ transactionId: 11 }) });
      expect(await retry('tag-b', 100, 2)).toEqual({ created: false, row: expect.objectContaining({ transactionId: 15, idTag: 'TAG-B', idTagStatus: 'Invalid' }) });
      expect((await retry('tag-a', 300)).created).toBe(true);
      expect((await db.query(`SELECT count(*)::int AS n FROM transactions`))[0].n).toBe(6);

      await migration.down(runner);
      expect(await db.query(`SELECT to_regclass('transactions_start_lower_key') AS i`)).toEqual([{ i: null }]);
      expect(await db.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'transactions_start_key'`)).toEqual([
        { def: 'UNIQUE (station_id, connector_id, id_tag, started_at, meter_start_wh)' },
      ]);
      expect((await db.query(`SELECT count(*)::int AS n FROM transactions`))[0].n).toBe(6);
      expect(await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'transactions' AND column_name = 'start_duplicate_of'`)).toEqual([]);
    } finally {
      await runner.release();
    }
  });
});
