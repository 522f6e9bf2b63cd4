import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A token route may now come from an eMSP's START_SESSION on an own charger as well as from a
 * real-time authorisation: the Session and CDR of the transaction it starts need the token's
 * contract id (2.1.1 `auth_id`, which a 2.1.1 eMSP matches its sessions by) and auth method
 * COMMAND, which the command carries and an authorisation does not.
 */
export class TokenRouteCommand1765900000400 implements MigrationInterface {
  name = 'TokenRouteCommand1765900000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_token_route ADD COLUMN contract_id text, ADD COLUMN auth_method text NOT NULL DEFAULT 'AUTH_REQUEST'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ocpi_token_route DROP COLUMN contract_id, DROP COLUMN auth_method`);
  }
}
