import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OCPP 1.6 IdToken is a CiString20: `04A2B3C4` and `04a2b3c4` are one token (RFID readers differ in
 * the hex case they report). Tokens and the transactions they are in are therefore looked up by
 * `lower(id_tag)`; these indexes keep Authorize, StartTransaction (ConcurrentTx) and the transaction
 * view's token filter off sequential scans. Expand-only: `transactions_id_tag` stays until a release
 * that no longer reads by the exact spelling drops it.
 */
export class IdTagsCaseInsensitive1765400000120 implements MigrationInterface {
  name = 'IdTagsCaseInsensitive1765400000120';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS id_tags_lower ON id_tags (lower(id_tag))`);
    await q.query(`CREATE INDEX IF NOT EXISTS transactions_id_tag_lower ON transactions (lower(id_tag), started_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS transactions_id_tag_lower`);
    await q.query(`DROP INDEX IF EXISTS id_tags_lower`);
  }
}
