import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stations registered by their own connection under `pending` and not yet set by an operator
 * (those an earlier `auto-register` policy registered are Accepted: not quarantined, not counted), which
 * OCPP_PENDING_STATIONS_MAX bounds: every new unknown identity counts them (up to the bound) before
 * its row is inserted. Without this index that count scanned the whole station table, operator-created
 * stations included, once per made-up identity of a script; with it, at most the bound's entries.
 */
export class StationsSelfRegisteredIndex1766000002700 implements MigrationInterface {
  name = 'StationsSelfRegisteredIndex1766000002700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX stations_self_registered ON stations (id) WHERE auto_registered AND registration_status = 'Pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS stations_self_registered`);
  }
}
