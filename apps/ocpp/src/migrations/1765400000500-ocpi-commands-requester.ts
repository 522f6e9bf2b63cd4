import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The eMSP that sent each OCPI command (`requester` of `ocpi.command.requested`). OCPI reservation
 * ids are unique per eMSP only, so a RESERVE_NOW / CANCEL_RESERVATION is matched only with earlier
 * commands of the same eMSP. Expand-only and nullable: commands recorded before, or sent by a hub
 * that does not name the requester yet, have none.
 */
export class OcpiCommandsRequester1765400000500 implements MigrationInterface {
  name = 'OcpiCommandsRequester1765400000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_commands ADD COLUMN IF NOT EXISTS emsp_country_code text, ADD COLUMN IF NOT EXISTS emsp_party_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_commands DROP COLUMN IF EXISTS emsp_party_id, DROP COLUMN IF EXISTS emsp_country_code`);
  }
}
