import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The central system's schema. Transaction ids come from one sequence kept inside signed 32-bit
 * range (many chargers store them as int32); retried StartTransactions find their row through the
 * unique start key instead of allocating a second id.
 */
export class OcppSchema1763900000000 implements MigrationInterface {
  name = 'OcppSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stations (
        id text PRIMARY KEY,
        password_hash text,
        security_profile smallint NOT NULL DEFAULT 0 CHECK (security_profile BETWEEN 0 AND 2),
        registration_status text NOT NULL DEFAULT 'Accepted' CHECK (registration_status IN ('Accepted','Pending','Rejected')),
        validation_policy text NOT NULL DEFAULT 'strict' CHECK (validation_policy IN ('strict','lenient','off')),
        auto_registered boolean NOT NULL DEFAULT false,
        vendor text, model text, serial_number text, charge_box_serial_number text, firmware_version text,
        iccid text, imsi text, meter_type text, meter_serial_number text,
        last_boot_status text, booted_at timestamptz, last_seen_at timestamptz,
        firmware_status text, firmware_status_at timestamptz, diagnostics_status text, diagnostics_status_at timestamptz,
        configuration jsonb, capabilities jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE connectors (
        station_id text NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
        connector_id integer NOT NULL CHECK (connector_id >= 0),
        status text NOT NULL, error_code text NOT NULL, info text, vendor_id text, vendor_error_code text,
        status_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station_id, connector_id)
      )`);
    await q.query(`
      CREATE TABLE id_tags (
        id_tag text PRIMARY KEY CHECK (length(id_tag) BETWEEN 1 AND 20),
        status text NOT NULL CHECK (status IN ('Accepted','Blocked','Expired','Invalid')),
        expiry_date timestamptz, parent_id_tag text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE SEQUENCE transaction_id_seq AS integer MINVALUE 1 MAXVALUE 2147483647 NO CYCLE`);
    await q.query(`
      CREATE TABLE transactions (
        transaction_id integer PRIMARY KEY,
        station_id text NOT NULL, connector_id integer NOT NULL,
        id_tag text NOT NULL, id_tag_status text NOT NULL,
        meter_start_wh bigint NOT NULL, started_at timestamptz NOT NULL, reservation_id integer,
        authorization_reference text,
        meter_stop_wh bigint, stopped_at timestamptz, stop_reason text, stop_id_tag text, energy_wh bigint,
        transaction_data jsonb, orphan boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT transactions_start_key UNIQUE (station_id, connector_id, id_tag, started_at, meter_start_wh)
      )`);
    await q.query(`CREATE INDEX transactions_station_started ON transactions (station_id, started_at DESC)`);
    await q.query(`CREATE INDEX transactions_active ON transactions (station_id, connector_id) WHERE stopped_at IS NULL`);
    await q.query(`CREATE INDEX transactions_id_tag ON transactions (id_tag, started_at DESC)`);
    await q.query(`
      CREATE TABLE meter_values (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL, connector_id integer NOT NULL, transaction_id integer,
        sampled_at timestamptz NOT NULL, measurand text NOT NULL, value double precision, raw_value text NOT NULL,
        unit text NOT NULL, phase text, context text, location text, format text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX meter_values_station_time ON meter_values (station_id, sampled_at)`);
    await q.query(`CREATE INDEX meter_values_transaction ON meter_values (transaction_id) WHERE transaction_id IS NOT NULL`);
    await q.query(`CREATE SEQUENCE reservation_id_seq AS integer MINVALUE 1 MAXVALUE 2147483647 NO CYCLE`);
    await q.query(`
      CREATE TABLE reservations (
        reservation_id integer PRIMARY KEY,
        station_id text NOT NULL, connector_id integer NOT NULL, id_tag text NOT NULL, parent_id_tag text,
        expiry_date timestamptz NOT NULL,
        status text NOT NULL, transaction_id integer,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reservations_station ON reservations (station_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE local_lists (
        station_id text PRIMARY KEY REFERENCES stations(id) ON DELETE CASCADE,
        list_version integer NOT NULL, update_type text NOT NULL, status text NOT NULL, entries integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE charging_profiles (
        station_id text NOT NULL, charging_profile_id integer NOT NULL,
        connector_id integer NOT NULL, purpose text NOT NULL, stack_level integer NOT NULL,
        desired jsonb NOT NULL, plan_id uuid, desired_at timestamptz NOT NULL,
        state text NOT NULL CHECK (state IN ('pending','applied','rejected','failed','cleared')),
        applied jsonb, applied_at timestamptz, last_result text, attempts integer NOT NULL DEFAULT 0,
        PRIMARY KEY (station_id, charging_profile_id)
      )`);
    await q.query(`
      CREATE TABLE station_messages (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL, kind text NOT NULL, payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX station_messages_station ON station_messages (station_id, received_at DESC)`);
    await q.query(`
      CREATE TABLE rejected_frames (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL, raw text NOT NULL, reason text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX rejected_frames_station ON rejected_frames (station_id, received_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['rejected_frames', 'station_messages', 'charging_profiles', 'local_lists', 'reservations', 'meter_values', 'transactions', 'id_tags', 'connectors', 'stations']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP SEQUENCE IF EXISTS transaction_id_seq`);
    await q.query(`DROP SEQUENCE IF EXISTS reservation_id_seq`);
  }
}
