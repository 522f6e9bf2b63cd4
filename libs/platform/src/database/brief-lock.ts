import type { QueryRunner } from 'typeorm';

/** PostgreSQL's `lock_not_available`: the statement gave up waiting at `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

export interface BriefLockOptions {
  /** How long one try may wait for its lock (ms). */
  waitMs?: number;
  /** Tries before the migration fails (the next start tries again). */
  attempts?: number;
  /** Pause between tries (ms), so the writers queued behind a try get through. */
  pauseMs?: number;
}

/**
 * A DDL statement needing an exclusive lock for a moment only (`ALTER TABLE … ADD COLUMN` without a
 * default: a catalogue change), for a migration declared `transaction = false`. Waiting for its lock
 * behind a long reader (an export, the retention pass), such a statement queues every later writer
 * of the table behind itself: chargers' MeterValues and transactions would stall for as long as the
 * reader runs. So each try waits at most `waitMs`, lets the queue drain, and tries again; after
 * `attempts` the error is thrown (the migration, idempotent with `IF NOT EXISTS`, runs at the next start).
 */
export async function withBriefLock(q: QueryRunner, statement: string, options: BriefLockOptions = {}): Promise<void> {
  const { waitMs = 2_000, attempts = 30, pauseMs = 1_000 } = options;
  for (let attempt = 1; ; attempt++) {
    await q.query(`SET lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
    try {
      await q.query(statement);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE || attempt >= attempts) throw err;
    } finally {
      await q.query(`RESET lock_timeout`);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
