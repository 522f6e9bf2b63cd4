import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The connectors of each plan that have an answer (`applied` or `failed`): a plan is answered when
 * every connector it names is, however many events came (`applied`/`failed` still count them, for
 * operators). No backfill: an empty list falls back to the counters (`plan-answers.ts`), which is
 * how every plan before this release was judged, and the table keeps every plan ever published (a
 * rewrite of all of them would hold their locks for the whole migration).
 */
export class PlanAnswers1765600000000 implements MigrationInterface {
  name = 'PlanAnswers1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans ADD COLUMN answered smallint[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans DROP COLUMN answered`);
  }
}
