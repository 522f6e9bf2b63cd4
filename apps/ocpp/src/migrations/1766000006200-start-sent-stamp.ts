import { createIndexConcurrently } from '@cpo/platform';
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
 * No backfill: finding the starts kept as ahead before this release means reading every
 * `station_messages` row (no index has its `kind`) or joining every transaction to it, at boot,
 * under the startup probe; such starts stay null and are found through their kept message while
 * the retry's stamp is still ahead of its receipt, as the previous release found them (as are
 * those older pods keep as ahead during the rollout). Built concurrently, outside a transaction,
 * like the start key: `transactions` is large and chargers keep starting sessions.
 */
export class StartSentStamp1766000006200 implements MigrationInterface {
  name = 'StartSentStamp1766000006200';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transactions ADD COLUMN IF NOT EXISTS start_sent_at timestamptz`);
    await createIndexConcurrently(
      q,
      INDEX,
      `transactions (station_id, connector_id, lower(id_tag), start_sent_at, meter_start_wh) WHERE start_sent_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX}`);
    await q.query(`ALTER TABLE transactions DROP COLUMN IF EXISTS start_sent_at`);
  }
}
