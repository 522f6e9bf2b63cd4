import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A START_SESSION's token route is the command's for one transaction only. The route names the
 * command that wrote it (`command_id`) and, once a transaction without a reference has been
 * credited to the command, that transaction (`command_transaction_id`): a later session of the
 * token is no COMMAND session. `ocpi_token_route_command` keeps, while the charger's answer is
 * pending, the route the command replaced, so that a refused command gives the token its earlier
 * route (a real-time authorisation's, or an earlier command's) back; the answer deletes its row.
 * Routes written before this migration have no command id: their window (created_at) has passed.
 */
export class TokenRouteCommandScope1766000000200 implements MigrationInterface {
  name = 'TokenRouteCommandScope1766000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_token_route ADD COLUMN command_id uuid, ADD COLUMN command_transaction_id bigint`);
    await q.query(`
      CREATE TABLE ocpi_token_route_command (
        command_id uuid PRIMARY KEY,
        cpo_country_code text NOT NULL,
        cpo_party_id text NOT NULL,
        token_uid text NOT NULL,
        token_type text NOT NULL,
        replaced jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ocpi_token_route_command_token ON ocpi_token_route_command (cpo_country_code, cpo_party_id, token_uid, token_type)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ocpi_token_route_command`);
    await q.query(`ALTER TABLE ocpi_token_route DROP COLUMN command_id, DROP COLUMN command_transaction_id`);
  }
}
