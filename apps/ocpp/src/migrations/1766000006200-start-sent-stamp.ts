import type { MigrationInterface, QueryRunner } from 'typeorm';

const INDEX = 'transactions_start_sent';

/**
 * `transactions.start_sent_at`: the `timestamp` a StartTransaction carried when it lay beyond the
 * tolerance ahead of its receipt and the transaction was recorded at the receipt instead. Its retry
 * is the same message, possibly received hours later, once the stamp has passed: it then looks like
 * a start stamped in the past, whose key (`transactions_start_lower_key`, on `started_at`) misses
 * the row recorded at the first receipt, so a second session was opened. The start's insert checks
 * this column in the same statement (transaction.repository.ts), so no start pays a round trip.
 *
 * Null for every other start: the partial index holds only starts kept as ahead, and a start
 * stamped as it should be adds nothing to it (`start_duplicate_of`, left out of it, is filtered on
 * those few rows). Not unique: the previous release created a second
 * transaction for a retry received after the first was stopped, and both are kept as they are.
 * Starts kept as ahead before this release get their stamp from the message kept as sent (a stamp
 * without a zone is UTC, as `parseOcppTime` reads it). Built concurrently, outside a transaction,
 * like the start key: `transactions` is large and chargers keep starting sessions.
 */
export class StartSentStamp1766000006200 implements MigrationInterface {
  name = 'StartSentStamp1766000006200';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transactions ADD COLUMN IF NOT EXISTS start_sent_at timestamptz`);
    await q.query(`
      UPDATE transactions t
         SET start_sent_at = CASE WHEN m.payload->>'timestamp' ~ '(Z|z|[+-]\\d{2}(:?\\d{2})?)$' THEN (m.payload->>'timestamp')::timestamptz
                                  ELSE (m.payload->>'timestamp')::timestamp AT TIME ZONE 'UTC' END
        FROM station_messages m
       WHERE m.kind = 'StartTransactionClockAhead' AND m.station_id = t.station_id AND m.received_at = t.started_at
         AND m.payload->'connectorId' = to_jsonb(t.connector_id) AND m.payload->'meterStart' = to_jsonb(t.meter_start_wh)
         AND lower(m.payload->>'idTag') = lower(t.id_tag) AND t.start_sent_at IS NULL
         AND m.payload->>'timestamp' ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|z|[+-]\\d{2}(:?\\d{2})?)?$'`);
    const found: { valid: boolean }[] = await q.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND pg_table_is_visible(c.oid)`,
      [INDEX],
    );
    if (found[0]?.valid) return;
    // A build that failed half-way leaves an invalid index that IF NOT EXISTS would keep for good.
    if (found.length > 0) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${INDEX} ON transactions (station_id, connector_id, lower(id_tag), start_sent_at, meter_start_wh)
        WHERE start_sent_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX}`);
    await q.query(`ALTER TABLE transactions DROP COLUMN IF EXISTS start_sent_at`);
  }
}
