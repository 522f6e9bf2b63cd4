import { createIndexConcurrently } from '@cpo/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Under `auto-register`, every identity without a row is first looked up by `lower(id)`: one that
 * is an existing station's id in another letter case is refused, not registered as a second
 * station. Without this index that look-up scanned the whole station table once per new identity
 * (a script's made-up ones included). Not unique: identities are case-sensitive, and an operator may
 * have created two stations differing only in case. Built concurrently, outside a transaction: a
 * plain CREATE INDEX would hold every charger's station update (boots, heartbeats) for the build.
 */
export class StationsIdLower1766000007480 implements MigrationInterface {
  name = 'StationsIdLower1766000007480';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, 'stations_id_lower', 'stations (lower(id))');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS stations_id_lower`);
  }
}
