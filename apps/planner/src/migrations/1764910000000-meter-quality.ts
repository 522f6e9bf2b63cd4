import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Metering quality of the group register: how stale the oldest session register was at each
 * reading (a window measured from a stale edge is not evaluable), and when each connector
 * register was last seen (one not seen for two samples is a new baseline, not a delta).
 */
export class MeterQuality1764910000000 implements MigrationInterface {
  name = 'MeterQuality1764910000000';

  async up(q: QueryRunner): Promise<void> {
    // NULL: nothing was charging (or a reading from before this column existed).
    await q.query(`ALTER TABLE group_meter_readings ADD COLUMN meter_age_ms double precision`);
    await q.query(`ALTER TABLE connector_energy_seen ADD COLUMN seen_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connector_energy_seen DROP COLUMN seen_at`);
    await q.query(`ALTER TABLE group_meter_readings DROP COLUMN meter_age_ms`);
  }
}
