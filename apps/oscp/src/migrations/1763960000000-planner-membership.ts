import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The planner's group ↔ station mapping, kept even for groups this service has not seen yet. */
export class PlannerMembership1763960000000 implements MigrationInterface {
  name = 'PlannerMembership1763960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE planner_group_membership (group_id text PRIMARY KEY, stations text[] NOT NULL, changed_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS planner_group_membership`);
  }
}
