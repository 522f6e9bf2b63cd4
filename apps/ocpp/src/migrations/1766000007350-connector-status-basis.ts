import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What orders a connector's next status (docs/ocpp.md, StatusNotification): `status_stamp_at` the
 * charger's stamp of the stored status (null: none, or no time: an unset clock, ahead of receipt),
 * `status_received_at` its receipt. A stamp is ordered against stamps only, against a status without
 * one by its receipt: a charger clock behind UTC froze the connector on the unstamped status before
 * its stamped ones. Existing rows have no stamp recorded: the next status goes by its receipt.
 */
export class ConnectorStatusBasis1766000007350 implements MigrationInterface {
  name = 'ConnectorStatusBasis1766000007350';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connectors ADD COLUMN status_stamp_at timestamptz, ADD COLUMN status_received_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connectors DROP COLUMN status_stamp_at, DROP COLUMN status_received_at`);
  }
}
