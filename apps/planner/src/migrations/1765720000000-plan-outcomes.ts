import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each connector's latest outcome of a plan (`station_plans.outcomes`: connector id → `{ kind, at }`,
 * live-state/plan-outcome.ts), so an `applied` after a failure of the same plan and connector (the
 * charger accepted after our timeout, or a reconnect re-sent the plan) ends that failure: `failed`
 * and `offline_failed` now count connectors whose latest outcome failed, not failure events. No
 * backfill: the events are not kept, and a row without entries keeps the failures it counted; they
 * are changed only by deltas against the entries, so such a plan stays failed as every plan did
 * before (re-sent in full, never held), which only plans answered around the rollout can be.
 */
export class PlanOutcomes1765720000000 implements MigrationInterface {
  name = 'PlanOutcomes1765720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans ADD COLUMN outcomes jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans DROP COLUMN outcomes`);
  }
}
