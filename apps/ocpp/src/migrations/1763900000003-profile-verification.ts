import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the charger reported in effect (GetCompositeSchedule) after accepting a profile. */
export class ProfileVerification1763900000003 implements MigrationInterface {
  name = 'ProfileVerification1763900000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles ADD COLUMN verification text, ADD COLUMN verified_limit double precision, ADD COLUMN verified_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles DROP COLUMN IF EXISTS verification, DROP COLUMN IF EXISTS verified_limit, DROP COLUMN IF EXISTS verified_at`);
  }
}
