import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Charging profiles installed by commands from outside (an operator's SetChargingProfile over REST
 * or the bus, another service's), as the charger accepted them: smart charging's own are in
 * `charging_profiles`. One row per profile id a station holds (OCPP 1.6: an id, or the same
 * connector, purpose and stack level, replaces the profile there).
 */
export class OperatorProfiles1766000006700 implements MigrationInterface {
  name = 'OperatorProfiles1766000006700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE operator_profiles (
        station_id text NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
        charging_profile_id integer NOT NULL,
        connector_id integer NOT NULL,
        purpose text NOT NULL,
        stack_level integer NOT NULL,
        transaction_id integer,
        profile jsonb NOT NULL,
        installed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, charging_profile_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE operator_profiles`);
  }
}
