import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The pending OCPI commands, oldest first, for the pass that settles those left without an outcome (StaleOcpiCommands). */
export class OcpiCommandsPending1765300000500 implements MigrationInterface {
  name = 'OcpiCommandsPending1765300000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS ocpi_commands_pending ON ocpi_commands (received_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ocpi_commands_pending`);
  }
}
