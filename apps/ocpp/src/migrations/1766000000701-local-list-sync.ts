import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `local_list_entries.sync_needed_at`: when the entry's token was last changed or deleted through
 * the operator API, until the charger has accepted the entry that follows from it (NULL: in step).
 * Set in the token change's own transaction, so a change that committed is never forgotten by a
 * sync that did not run (the charger offline, a replica stopping); compared on clearing, so a
 * change made while a sync was in flight is not taken as sent.
 */
export class LocalListSync1766000000701 implements MigrationInterface {
  name = 'LocalListSync1766000000701';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_list_entries ADD COLUMN sync_needed_at timestamptz`);
    // A (re)connecting station's pending entries: found without reading its whole list.
    await q.query(`CREATE INDEX local_list_entries_sync_needed ON local_list_entries (station_id) WHERE sync_needed_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX local_list_entries_sync_needed`);
    await q.query(`ALTER TABLE local_list_entries DROP COLUMN sync_needed_at`);
  }
}
