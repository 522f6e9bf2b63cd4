import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `earlier_pending_password_hash`: the pending AuthorizationKey a newer key change displaced. A
 * change the charger did not answer (timeout, lost socket) or answered `RebootRequired` may have
 * reached it, so when a second change displaced that key and went unanswered too, a charger that had
 * taken the first was locked out. Both stay valid beside the current key until one is first used.
 */
export class StationsEarlierPendingKey1766000003100 implements MigrationInterface {
  name = 'StationsEarlierPendingKey1766000003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN earlier_pending_password_hash text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN IF EXISTS earlier_pending_password_hash`);
  }
}
