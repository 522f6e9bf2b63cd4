import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a station's log upload stands (LogStatusNotification, security extension), beside firmware and diagnostics. */
export class SecurityExtension1765100000001 implements MigrationInterface {
  name = 'SecurityExtension1765100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN log_status text, ADD COLUMN log_status_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN IF EXISTS log_status, DROP COLUMN IF EXISTS log_status_at`);
  }
}
