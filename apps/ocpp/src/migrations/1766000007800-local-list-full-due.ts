import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `local_lists.full_list_due`: the charger's list is not the one recorded (another unit booted under
 * the station's identity, see forgetReplacedUnit) and the recorded entries are to be sent to it as a
 * Full update, once it has reported its version (LocalListRepair asks, LocalListSync sends). On the
 * list's own row: set, asked, sent and cleared under the row lock that orders every change of the list.
 */
export class LocalListFullDue1766000007800 implements MigrationInterface {
  name = 'LocalListFullDue1766000007800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists ADD COLUMN full_list_due boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists DROP COLUMN full_list_due`);
  }
}
