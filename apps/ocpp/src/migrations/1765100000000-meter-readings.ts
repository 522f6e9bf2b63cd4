import type { MigrationInterface, QueryRunner } from 'typeorm';

const SAMPLE_COLUMNS = 'station_id, connector_id, transaction_id, sampled_at, measurand, value, raw_value, unit, phase, context, location, format, received_at';

/** A reading's sampled values as rows: its id, the position in the reading, then SAMPLE_COLUMNS. */
const READING_SAMPLES = `SELECT r.id, s.n AS sample, r.station_id, r.connector_id, r.transaction_id, r.sampled_at,
         s.v->>'measurand', (s.v->>'value')::float8, s.v->>'rawValue', s.v->>'unit',
         s.v->>'phase', s.v->>'context', s.v->>'location', s.v->>'format', r.received_at
    FROM meter_readings r CROSS JOIN LATERAL json_array_elements(r.samples) WITH ORDINALITY AS s(v, n)`;

/**
 * One row per MeterValue (a reading: a timestamp and its sampled values) in `meter_readings`,
 * instead of one `meter_values` row per sampled value. A charger reports 2 to 20 values per
 * reading (energy, power, current and voltage per phase, SoC...), and each row cost a heap tuple,
 * two index entries and a sequence value: measured on PostgreSQL alone with ten values per reading,
 * 91–96 µs of backend CPU per MeterValues as rows, 20–24 µs as one reading. The samples are kept as
 * `json` (stored as the text received: cheaper to insert than `jsonb`), normalised as before.
 *
 * Expand only (docs/operations.md, Upgrade): pods of the previous release keep inserting into
 * `meter_values` during a rollout, so that table stays, with everything stored so far, and nothing
 * is copied at boot. `meter_samples` reads both, a row per sampled value with `meter_values`'
 * columns plus `sample` (position in its reading). Both tables take ids from one sequence, so ids
 * stay unique and in insertion order across them.
 */
export class MeterReadings1765100000000 implements MigrationInterface {
  name = 'MeterReadings1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE meter_readings (
        id bigint PRIMARY KEY DEFAULT nextval('meter_values_id_seq'),
        station_id text NOT NULL, connector_id integer NOT NULL, transaction_id integer,
        sampled_at timestamptz NOT NULL,
        samples json NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Owned by the table that stays when the old one is dropped in a later release.
    await q.query(`ALTER SEQUENCE meter_values_id_seq OWNED BY meter_readings.id`);
    await q.query(`CREATE INDEX meter_readings_station_time ON meter_readings (station_id, sampled_at)`);
    await q.query(`
      CREATE VIEW meter_samples AS
        SELECT id, 1::bigint AS sample, ${SAMPLE_COLUMNS} FROM meter_values
        UNION ALL
        ${READING_SAMPLES}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO meter_values (${SAMPLE_COLUMNS}) SELECT ${SAMPLE_COLUMNS} FROM (${READING_SAMPLES}) AS x(id, sample, ${SAMPLE_COLUMNS}) ORDER BY id, sample`);
    await q.query(`DROP VIEW meter_samples`);
    await q.query(`ALTER SEQUENCE meter_values_id_seq OWNED BY meter_values.id`);
    await q.query(`DROP TABLE meter_readings`);
  }
}
