import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A charger that boots again may lose its profiles (OCPP 1.6 clears TxProfiles; much firmware every
 * profile) and draw its rating until the ocpp service sends them again: the plan it acknowledged
 * before no longer holds (offline-grace.ts). `station_state.booted_at`: its newest boot.
 * `station_plans.answer_times`: per connector, when a profile of that plan was last answered by the
 * charger (applied or refused, not `Offline`), so an answer after the boot makes the plan hold again
 * whatever order the events arrive in. No backfill: a plan answered before keeps `outcome_at`.
 */
export class StationBoots1765710000000 implements MigrationInterface {
  name = 'StationBoots1765710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_state ADD COLUMN booted_at timestamptz`);
    await q.query(`ALTER TABLE station_plans ADD COLUMN answer_times jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE station_plans DROP COLUMN answer_times`);
    await q.query(`ALTER TABLE station_state DROP COLUMN booted_at`);
  }
}
