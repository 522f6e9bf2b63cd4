import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Compliance and the daily extra-capacity request: the group register sampled every minute (built
 * from connector registers), the verdict of each window, unconstrained demand per hour, and one
 * decision per group and day (the unique key is what makes the request go out once).
 */
export class Compliance1764860000000 implements MigrationInterface {
  name = 'Compliance1764860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_energy_seen (
        station_id text NOT NULL, connector_id integer NOT NULL, energy_wh double precision NOT NULL,
        PRIMARY KEY (station_id, connector_id)
      )`);
    await q.query(`
      CREATE TABLE group_meter_readings (
        group_id text NOT NULL, at timestamptz NOT NULL,
        energy_wh double precision NOT NULL,
        power_w double precision NOT NULL,
        demand_w double precision NOT NULL,
        PRIMARY KEY (group_id, at)
      )`);
    await q.query(`
      CREATE TABLE compliance_windows (
        group_id text NOT NULL, window_start timestamptz NOT NULL, window_end timestamptz NOT NULL,
        allowed_wh double precision NOT NULL,
        measured_wh double precision,
        compliant boolean,
        margin double precision NOT NULL,
        sources jsonb NOT NULL,
        evaluated_at timestamptz NOT NULL,
        PRIMARY KEY (group_id, window_start)
      )`);
    await q.query(`
      CREATE TABLE demand_hourly (
        group_id text NOT NULL, hour_start timestamptz NOT NULL,
        demand_w_sum double precision NOT NULL, samples integer NOT NULL,
        PRIMARY KEY (group_id, hour_start)
      )`);
    await q.query(`
      CREATE TABLE adjust_decisions (
        group_id text NOT NULL, day date NOT NULL,
        decided_at timestamptz NOT NULL,
        requested boolean NOT NULL,
        requested_by text NOT NULL,
        decision jsonb NOT NULL,
        PRIMARY KEY (group_id, day)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['adjust_decisions', 'demand_hourly', 'compliance_windows', 'group_meter_readings', 'connector_energy_seen']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
