import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Planning state: the capacity forecasts received (the timeline is rebuilt from them), operator
 * caps, each connector's current target with its hysteresis state, the plans published per
 * station (history and acknowledgement tracking) and the last round's summary per group.
 */
export class Planning1764850000000 implements MigrationInterface {
  name = 'Planning1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE capacity_forecasts (
        request_id text PRIMARY KEY,
        seq bigserial NOT NULL,
        group_id text NOT NULL, partner_id text NOT NULL,
        kind text NOT NULL, forecast_type text NOT NULL,
        received_at timestamptz NOT NULL,
        -- the last block's end: forecasts that ended long ago are not loaded any more
        ends_at timestamptz NOT NULL,
        payload jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX capacity_forecasts_group ON capacity_forecasts (group_id, ends_at)`);
    await q.query(`
      CREATE TABLE capacity_alerts (
        id bigserial PRIMARY KEY,
        group_id text NOT NULL, partner_id text NOT NULL,
        kind text NOT NULL, day date NOT NULL, detected_at timestamptz NOT NULL,
        UNIQUE (group_id, kind, day)
      )`);
    await q.query(`
      CREATE TABLE operator_caps (
        id uuid PRIMARY KEY,
        group_id text NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        start_at timestamptz NOT NULL, end_at timestamptz,
        power_w double precision NOT NULL CHECK (power_w >= 0),
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_at IS NULL OR end_at > start_at)
      )`);
    await q.query(`CREATE INDEX operator_caps_group ON operator_caps (group_id)`);
    await q.query(`
      CREATE TABLE connector_allocation (
        station_id text NOT NULL, connector_id integer NOT NULL,
        group_id text NOT NULL,
        status text NOT NULL,
        reason text NOT NULL,
        unit text NOT NULL,
        limit_value double precision NOT NULL,
        number_phases smallint NOT NULL,
        power_w double precision NOT NULL,
        planned_at timestamptz NOT NULL,
        -- hysteresis near the minimum current (see allocation/hysteresis.ts)
        mode text, mode_since timestamptz, headroom_ok_since timestamptz,
        PRIMARY KEY (station_id, connector_id)
      )`);
    await q.query(`CREATE INDEX connector_allocation_group ON connector_allocation (group_id)`);
    await q.query(`
      CREATE TABLE station_plans (
        plan_id uuid PRIMARY KEY,
        -- publication order: several plans of a station can share a timestamp (tests, fast rounds)
        seq bigserial NOT NULL,
        group_id text NOT NULL, station_id text NOT NULL,
        reason text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('decrease', 'increase')),
        effective_from timestamptz NOT NULL,
        connectors jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expected smallint NOT NULL,
        applied smallint NOT NULL DEFAULT 0,
        failed smallint NOT NULL DEFAULT 0,
        outcome_at timestamptz,
        last_failure text
      )`);
    await q.query(`CREATE INDEX station_plans_station ON station_plans (station_id, seq DESC)`);
    await q.query(`CREATE INDEX station_plans_group ON station_plans (group_id, seq DESC)`);
    await q.query(`
      CREATE TABLE group_plan_state (
        group_id text PRIMARY KEY,
        planned_at timestamptz NOT NULL,
        limit_w double precision NOT NULL,
        available_w double precision NOT NULL,
        allocated_w double precision NOT NULL,
        uncontrolled_w double precision NOT NULL,
        pv_credit_w double precision NOT NULL DEFAULT 0,
        source jsonb NOT NULL,
        -- infeasibility: the current incident, since when the group is infeasible without a break,
        -- and the incident last reported (published once, again only when it changes)
        incident text, incident_since timestamptz, incident_reported text
      )`);
    // On-site generation readings of the configured REMS sources; a few minutes are kept for the
    // conservative solar credit (minimum over 5 min), older ones are pruned.
    await q.query(`
      CREATE TABLE generation_readings (
        transceiver_id text NOT NULL, port integer NOT NULL, at timestamptz NOT NULL,
        power_w double precision NOT NULL, fault boolean NOT NULL,
        PRIMARY KEY (transceiver_id, port, at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['generation_readings', 'group_plan_state', 'station_plans', 'connector_allocation', 'operator_caps', 'capacity_alerts', 'capacity_forecasts']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
