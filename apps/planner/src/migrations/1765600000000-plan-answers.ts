import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The connectors of each plan that have an answer (`applied` or `failed`): a plan is answered when
 * every connector it names is, however many events came (`applied`/`failed` still count them, for
 * operators). Plans answered in full before this release have their connectors filled in; a partly
 * answered one is left empty, and an empty list falls back to the counters (`plan-answers.ts`).
 */
export class PlanAnswers1765600000000 implements MigrationInterface {
  name = 'PlanAnswers1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans ADD COLUMN answered smallint[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `UPDATE station_plans SET answered = ARRAY(SELECT DISTINCT (c->>'connectorId')::smallint FROM jsonb_array_elements(connectors) c ORDER BY 1)
        WHERE applied + failed >= expected`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans DROP COLUMN answered`);
  }
}
