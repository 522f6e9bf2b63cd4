import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an EV actually draws (the highest phase current of its latest reading) and, per allocated
 * connector, since when it has drawn less than its limit and the most it drew since: the planner
 * caps such a session near its draw and gives the rest to the others (planning/ev-demand.ts).
 */
export class EvDemand1764920000000 implements MigrationInterface {
  name = 'EvDemand1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connector_state ADD COLUMN current_a double precision, ADD COLUMN current_at timestamptz`);
    await q.query(`ALTER TABLE connector_allocation ADD COLUMN ev_under_since timestamptz, ADD COLUMN ev_peak_a double precision`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connector_allocation DROP COLUMN ev_peak_a, DROP COLUMN ev_under_since`);
    await q.query(`ALTER TABLE connector_state DROP COLUMN current_at, DROP COLUMN current_a`);
  }
}
