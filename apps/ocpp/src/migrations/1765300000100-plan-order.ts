import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the planner produced the plan a desired profile holds (its event's `occurredAt`), so an older
 * plan delivered late never replaces a newer one. Nullable: rows from before carry none.
 */
export class PlanOrder1765300000100 implements MigrationInterface {
  name = 'PlanOrder1765300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles ADD COLUMN plan_occurred_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles DROP COLUMN IF EXISTS plan_occurred_at`);
  }
}
