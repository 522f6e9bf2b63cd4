import type { MigrationInterface, QueryRunner } from 'typeorm';

const INDEX = 'transactions_start_lower_key';

/**
 * A retried StartTransaction is recognised by its start (station, connector, tag, time, meter),
 * and the tag is a CiString: a charger or a firmware re-encoding may send `abc123` first and
 * `ABC123` in the retry, which `transactions_start_key` (exact spelling) let through as a second,
 * billed transaction. This unique index compares the tag by `lower(id_tag)`.
 *
 * Starts stored twice that way before this release are kept, both of them: each may have meter
 * values, a stop and events sent to partners, and the charger (which retried because it missed the
 * first answer) most likely holds the later id, so neither can be dropped or merged blindly. The
 * later ones get `start_duplicate_of` = the first one's id (for reconciliation) and stay outside
 * the index by its predicate; the first one of each start, and every new row, are in it.
 *
 * Expand-only: `transactions_start_key` stays this release. Pods of the previous release keep
 * serving during the rollout and name it in their `ON CONFLICT ON CONSTRAINT`; dropping it now
 * would fail every StartTransaction they receive. A later release drops it. It is redundant, never
 * in the way: a start equal in spelling is equal under lower().
 *
 * Built concurrently, outside a transaction, like `transactions_id_tag_lower`: `transactions` is
 * large and chargers keep starting sessions. A case-only retry stored by an old pod between the
 * marking and the build makes the build fail; the next boot marks it and builds again.
 */
export class TransactionStartKeyCaseInsensitive1765800000120 implements MigrationInterface {
  name = 'TransactionStartKeyCaseInsensitive1765800000120';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transactions ADD COLUMN IF NOT EXISTS start_duplicate_of integer`);
    await q.query(`
      UPDATE transactions t SET start_duplicate_of = f.first_id
        FROM (SELECT transaction_id, min(transaction_id) OVER (PARTITION BY station_id, connector_id, lower(id_tag), started_at, meter_start_wh) AS first_id
                FROM transactions) f
       WHERE f.transaction_id = t.transaction_id AND f.first_id <> t.transaction_id AND t.start_duplicate_of IS NULL`);
    const found: { valid: boolean }[] = await q.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND pg_table_is_visible(c.oid)`,
      [INDEX],
    );
    if (found[0]?.valid) return;
    // A build that failed half-way leaves an invalid index that IF NOT EXISTS would keep for good.
    if (found.length > 0) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX}`);
    await q.query(
      `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${INDEX} ON transactions (station_id, connector_id, lower(id_tag), started_at, meter_start_wh)
        WHERE start_duplicate_of IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX}`);
    // transactions_start_key was never dropped: the previous release finds its schema as it left it.
    await q.query(`ALTER TABLE transactions DROP COLUMN IF EXISTS start_duplicate_of`);
  }
}
