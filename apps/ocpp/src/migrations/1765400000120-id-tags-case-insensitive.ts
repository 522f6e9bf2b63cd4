import { createIndexConcurrently } from '@cpo/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OCPP 1.6 IdToken is a CiString20: `04A2B3C4` and `04a2b3c4` are one token (RFID readers differ in
 * the hex case they report). Tokens and the transactions they are in are therefore looked up by
 * `lower(id_tag)`; these indexes keep Authorize, StartTransaction (ConcurrentTx) and the transaction
 * view's token filter off sequential scans. Expand-only: `transactions_id_tag` stays until a release
 * that no longer reads by the exact spelling drops it. Built concurrently, outside a transaction:
 * `transactions` is large on a long-running system, and a plain CREATE INDEX would block chargers'
 * StartTransaction/StopTransaction for the whole build during the rollout.
 */
export class IdTagsCaseInsensitive1765400000120 implements MigrationInterface {
  name = 'IdTagsCaseInsensitive1765400000120';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, 'id_tags_lower', 'id_tags (lower(id_tag))');
    await createIndexConcurrently(q, 'transactions_id_tag_lower', 'transactions (lower(id_tag), started_at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS transactions_id_tag_lower`);
    await q.query(`DROP INDEX IF EXISTS id_tags_lower`);
  }
}
