import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Local list version and size may be unknown (NULL): a station's first SendLocalList was refused
 * (we never learnt its version), or an accepted Differential changed the list by an amount we
 * cannot tell without the charger's entries.
 */
export class LocalListUnknown1765300000200 implements MigrationInterface {
  name = 'LocalListUnknown1765300000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists ALTER COLUMN list_version DROP NOT NULL, ALTER COLUMN entries DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The old schema cannot say "unknown": rows without a version go, unknown sizes become 0.
    await q.query(`DELETE FROM local_lists WHERE list_version IS NULL`);
    await q.query(`UPDATE local_lists SET entries = 0 WHERE entries IS NULL`);
    await q.query(`ALTER TABLE local_lists ALTER COLUMN list_version SET NOT NULL, ALTER COLUMN entries SET NOT NULL`);
  }
}
