import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The TxProfile a RemoteStartTransaction carried (OCPP 1.6 §5.11): the charger installs it for the
 * transaction it is about to start, whose id only its StartTransaction brings. The row names the
 * remote start instead; its transaction (and connector) are read through it once it started.
 * No foreign key: a remote start purged by retention leaves a profile whose transaction is unknown,
 * which reads as ended (the charger dropped it with that transaction).
 */
export class OperatorProfilesRemoteStart1766000006900 implements MigrationInterface {
  name = 'OperatorProfilesRemoteStart1766000006900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE operator_profiles ADD COLUMN remote_start_id bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE operator_profiles DROP COLUMN remote_start_id`);
  }
}
