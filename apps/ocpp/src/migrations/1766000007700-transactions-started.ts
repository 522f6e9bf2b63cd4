import { createIndexConcurrently } from '@cpo/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const INDEX = 'transactions_started';

/**
 * The operator's transaction list filtered by time only (`from`/`to`, no station or token) and
 * its newest-first order: every other index on `transactions` leads with the station or the token,
 * so such a page was a scan of the whole table (300,000 rows: 85 ms for a day of 3 sessions, 3 ms
 * with this index). Built concurrently, outside a transaction: chargers' starts and stops keep
 * writing during the rollout.
 */
export class TransactionsStarted1766000007700 implements MigrationInterface {
  name = 'TransactionsStarted1766000007700';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, INDEX, 'transactions (started_at DESC, transaction_id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX}`);
  }
}
