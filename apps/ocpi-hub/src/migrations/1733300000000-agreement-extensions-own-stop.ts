import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `ocpi_agreement.charging_profiles_211`: the 2.1.1 custom charging-profiles module is an
 *   extension offered per agreement (guide §7.8: custom module ids only to parties that agreed).
 *   Off by default, also for existing agreements: the operator enables it where both sides agreed.
 * - `ocpi_own_session.station_id` and an index on `session_id`: STOP_SESSION of an own session
 *   finds the OCPP station and transaction to stop (rows from before have no station and cannot
 *   be stopped this way).
 * - `ocpi_own_session_meter`: the meter readings of an open own session, so its CDR is priced per
 *   interval (power and current restrictions); deleted when the CDR is made.
 */
export class AgreementExtensionsOwnStop1733300000000 implements MigrationInterface {
  name = 'AgreementExtensionsOwnStop1733300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_agreement ADD COLUMN charging_profiles_211 boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE ocpi_own_session ADD COLUMN station_id text`);
    await q.query(`CREATE INDEX ocpi_own_session_session ON ocpi_own_session (session_id)`);
    await q.query(`
      CREATE TABLE ocpi_own_session_meter (
        transaction_id bigint NOT NULL,
        at timestamptz NOT NULL,
        wh double precision NOT NULL,
        current_a double precision,
        PRIMARY KEY (transaction_id, at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ocpi_own_session_meter`);
    await q.query(`DROP INDEX IF EXISTS ocpi_own_session_session`);
    await q.query(`ALTER TABLE ocpi_own_session DROP COLUMN IF EXISTS station_id`);
    await q.query(`ALTER TABLE ocpi_agreement DROP COLUMN IF EXISTS charging_profiles_211`);
  }
}
