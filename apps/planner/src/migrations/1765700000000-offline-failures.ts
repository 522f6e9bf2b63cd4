import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many of a plan's failures were `Offline` (the ocpp service found no socket: the charger never
 * saw the profile). A plan that failed only so did not reach the charger, which still obeys the plan
 * it acknowledged before: the round counts it at that plan while it cannot be reached (offline-grace.ts).
 * No backfill: older failures count as possibly delivered, as every failure did before.
 */
export class OfflineFailures1765700000000 implements MigrationInterface {
  name = 'OfflineFailures1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans ADD COLUMN offline_failed smallint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans DROP COLUMN offline_failed`);
  }
}
