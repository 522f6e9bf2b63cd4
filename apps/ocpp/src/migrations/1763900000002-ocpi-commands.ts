import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OCPI commands for our own chargers (from ocpi-hub) and their outcome. */
export class OcpiCommands1763900000002 implements MigrationInterface {
  name = 'OcpiCommands1763900000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ocpi_commands (
        command_id uuid PRIMARY KEY,
        type text NOT NULL, station_id text NOT NULL, request jsonb NOT NULL,
        ocpi_reservation_id text, reservation_id integer,
        status text NOT NULL DEFAULT 'pending', result text, detail text,
        received_at timestamptz NOT NULL DEFAULT now(), settled_at timestamptz
      )`);
    await q.query(`CREATE INDEX ocpi_commands_reservation ON ocpi_commands (station_id, ocpi_reservation_id) WHERE ocpi_reservation_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ocpi_commands`);
  }
}
