import { withBriefLock } from '@cpo/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `transactions.stop_lost_at`: where a session whose StopTransaction never came ended, fixed when
 * its station was deleted (`stations/station-removal.ts`). The lost-stop rule (`lost-stop.ts`) reads
 * the station's connectors, which go with the station: without this, a session running at the
 * deletion ran for ever, its card refused `ConcurrentTx` at every other station. Null for every
 * other transaction (no index: the rule reads it off rows it has found already).
 *
 * Backfilled for the sessions stations deleted by an earlier release left open: those of a station
 * no longer stored end now (when it was deleted is not known); those of a station created again
 * since end when it was (its row is newer than the session's). Only sessions not stopped are read
 * (the partial index `transactions_active`): a few per station at most.
 */
export class TransactionsStopLostAt1766000007750 implements MigrationInterface {
  name = 'TransactionsStopLostAt1766000007750';
  // Outside a transaction: the column's brief lock is tried again rather than waited for (withBriefLock);
  // the backfill is idempotent (only rows still null).
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await withBriefLock(q, `ALTER TABLE transactions ADD COLUMN IF NOT EXISTS stop_lost_at timestamptz`);
    await q.query(
      `UPDATE transactions t SET stop_lost_at = COALESCE((SELECT s.created_at FROM stations s WHERE s.id = t.station_id), now())
        WHERE t.stopped_at IS NULL AND t.orphan = false AND t.stop_lost_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM stations s WHERE s.id = t.station_id AND s.created_at <= t.created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE transactions DROP COLUMN IF EXISTS stop_lost_at`);
  }
}
