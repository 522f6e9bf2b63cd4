import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `remote_starts_open` as a fresh database has it. Migration 1763900000001 was edited after its
 * first release (remote starts are recorded `Requested` before the call goes out); databases that
 * ran the first version kept the index on `status = 'Accepted'` only, which the lookups of open
 * remote starts (`status IN ('Requested', 'Accepted')`) cannot use. Rebuilt on both kinds of
 * database, so they end in the same schema; the table is small (one row per remote start).
 */
export class RemoteStartsOpenIndex1765400000300 implements MigrationInterface {
  name = 'RemoteStartsOpenIndex1765400000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS remote_starts_open`);
    await q.query(`CREATE INDEX remote_starts_open ON remote_starts (station_id, id_tag) WHERE status IN ('Requested', 'Accepted')`);
  }

  async down(): Promise<void> {
    // Nothing to undo: the index is the one 1763900000001 creates today.
  }
}
