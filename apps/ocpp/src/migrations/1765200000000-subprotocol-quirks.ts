import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-station subprotocol quirks (guide §1.2): names a charger offers instead of the standard one
 * (`{"ocpp1.6.0": "ocpp1.6"}`), and the version to speak when it offers none. Off by default.
 */
export class SubprotocolQuirks1765200000000 implements MigrationInterface {
  name = 'SubprotocolQuirks1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN subprotocol_aliases jsonb NOT NULL DEFAULT '{}'::jsonb, ADD COLUMN missing_subprotocol text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN IF EXISTS subprotocol_aliases, DROP COLUMN IF EXISTS missing_subprotocol`);
  }
}
