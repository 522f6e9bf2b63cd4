import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tags each charger's local authorisation list holds, as the accepted SendLocalList updates
 * left them, so that the operator can tell which chargers hold a token (a card blocked, expired or
 * deleted through the API keeps its old `idTagInfo` in every list that holds it until that list is
 * updated). `id_tag_key` is the tag lower-cased: IdToken is a CiString, `a1` and `A1` are one entry.
 *
 * `local_lists.entries_certain`: whether the entries are known to be what the charger holds. An
 * update that may have reached the charger unanswered, or a version the charger reports that is not
 * the one we sent, leaves entries it may or may not hold. Rows from before this table have no
 * entries stored: only a list the charger reported empty (0) or unsupported (-1) is known.
 */
export class LocalListEntries1766000000700 implements MigrationInterface {
  name = 'LocalListEntries1766000000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE local_list_entries (
        station_id text NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
        id_tag_key text NOT NULL, id_tag text NOT NULL, id_tag_info jsonb NOT NULL,
        PRIMARY KEY (station_id, id_tag_key)
      )`);
    // "Which chargers hold this token": one lookup by tag across stations.
    await q.query(`CREATE INDEX local_list_entries_tag ON local_list_entries (id_tag_key)`);
    await q.query(`ALTER TABLE local_lists ADD COLUMN entries_certain boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE local_lists SET entries_certain = true WHERE list_version <= 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists DROP COLUMN entries_certain`);
    await q.query(`DROP TABLE local_list_entries`);
  }
}
