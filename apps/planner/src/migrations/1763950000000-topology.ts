import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Site topology (groups, their stations and connectors, on-site generation sources) and the live
 * state the allocator reads (connector status, running session, measured power and energy).
 */
export class Topology1763950000000 implements MigrationInterface {
  name = 'Topology1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE groups (
        id text PRIMARY KEY,
        partner_id text,
        contract_kw numeric NOT NULL CHECK (contract_kw >= 0),
        nominal_voltage_v integer NOT NULL DEFAULT 220 CHECK (nominal_voltage_v BETWEEN 100 AND 480),
        phases smallint NOT NULL DEFAULT 3 CHECK (phases IN (1, 3)),
        safety_margin numeric NOT NULL DEFAULT 0.05 CHECK (safety_margin >= 0 AND safety_margin < 1),
        time_zone text NOT NULL DEFAULT 'Asia/Taipei',
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE group_stations (
        station_id text PRIMARY KEY,
        group_id text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        max_current_a numeric NOT NULL CHECK (max_current_a > 0),
        phases smallint NOT NULL DEFAULT 3 CHECK (phases IN (1, 3)),
        priority integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX group_stations_group ON group_stations (group_id)`);
    await q.query(`
      CREATE TABLE group_connectors (
        station_id text NOT NULL REFERENCES group_stations(station_id) ON DELETE CASCADE,
        connector_id integer NOT NULL CHECK (connector_id > 0),
        max_current_a numeric NOT NULL CHECK (max_current_a > 0),
        phases smallint NOT NULL DEFAULT 3 CHECK (phases IN (1, 3)),
        min_current_a numeric NOT NULL DEFAULT 6 CHECK (min_current_a >= 0),
        priority integer,
        PRIMARY KEY (station_id, connector_id)
      )`);
    await q.query(`
      CREATE TABLE generation_sources (
        group_id text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        transceiver_id text NOT NULL, port integer NOT NULL,
        PRIMARY KEY (group_id, transceiver_id, port)
      )`);
    await q.query(`
      CREATE TABLE connector_state (
        station_id text NOT NULL, connector_id integer NOT NULL,
        status text, status_at timestamptz,
        transaction_id integer, session_started_at timestamptz,
        power_w double precision, power_at timestamptz,
        energy_wh double precision, energy_at timestamptz,
        PRIMARY KEY (station_id, connector_id)
      )`);
    await q.query(`
      CREATE TABLE station_state (
        station_id text PRIMARY KEY,
        connected boolean NOT NULL, connected_at timestamptz,
        profile_failures integer NOT NULL DEFAULT 0, last_profile_result text, last_profile_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['station_state', 'connector_state', 'generation_sources', 'group_connectors', 'group_stations', 'groups']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
