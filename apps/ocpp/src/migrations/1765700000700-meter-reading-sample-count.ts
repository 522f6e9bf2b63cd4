import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many sampled values each reading holds, written with it. The paged meter-values view reports
 * `total` in samples; summing `json_array_length(samples)` parsed every reading's JSON in the range
 * (about 1 s for a year of one-minute readings of one connector), the column is read as it is
 * (about 0.2 s). Expand-only and nullable: readings stored before it are counted from their JSON.
 */
export class MeterReadingSampleCount1765700000700 implements MigrationInterface {
  name = 'MeterReadingSampleCount1765700000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE meter_readings ADD COLUMN IF NOT EXISTS sample_count integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE meter_readings DROP COLUMN IF EXISTS sample_count`);
  }
}
