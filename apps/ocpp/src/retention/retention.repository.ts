import { Injectable } from '@nestjs/common';
import { affectedRows } from '@cpo/platform';
import { DataSource, type QueryRunner } from 'typeorm';
import { endedWithoutStopSql } from '../transactions/lost-stop.js';
import { CLOCK_AHEAD_START, UNSET_CLOCK_START } from '../transactions/unset-clock.js';

/** The tables the retention job deletes from; every other table is kept (docs/ocpp.md, Data retention). */
export type RetentionTable = 'meter_readings' | 'meter_values' | 'station_messages' | 'rejected_frames' | 'remote_starts';

/**
 * One advisory lock key for the job in this service's database (advisory locks are per database,
 * so another service's database is not concerned). Any constant; spelled as text for `pg_locks`.
 */
const LOCK_KEY = `hashtext('ocpp_retention')`;

/**
 * Keeps an EXISTS on a station's index range correlated, so it stops at the transaction's first
 * row: without it PostgreSQL hashes the transaction ids of the station's whole range before (or
 * since) the cutoff, every statement (seen in EXPLAIN: the entire range read for one session).
 */
const FIRST_MATCH = 'OFFSET 0';

/**
 * SQL condition: the transaction aliased `t` (of station $1, not stopped, started before the cutoff
 * $2) still runs: the lost-stop rule does not end it (`lost-stop.ts`: a later start or a
 * no-transaction status on its connector), and it has a reading stamped since the cutoff. Without
 * it, a charger whose StopTransaction was lost and never sent (a station gone quiet, a connector
 * that never reports again) left a transaction "running" whose readings and kept start stayed for
 * ever. Nothing still needed goes: the lost-stop rules read connectors, stations and requests, not
 * readings; a session's energy so far reads its readings, and a charger still in a session sends
 * some within the retention (400 days by default). By the stamp only: the receipt has no index,
 * and a row received within the retention is kept by its own condition anyway. The reading EXISTS
 * walks the station's index range from the cutoff on (all of it for a transaction not read since,
 * once per statement while it has old rows), so it comes last, after the lost-stop index lookups.
 * `walk`, another such walk, goes between the two: after the lookups, which rule out nearly every
 * transaction whose stop was lost (a later start on its connector), so at most one per connector walks.
 */
function stillRunningSql(t: string, walk: string): string {
  return `(NOT ${endedWithoutStopSql(t, `'infinity'`)} AND ${walk}
      AND EXISTS (SELECT 1 FROM meter_readings l WHERE l.station_id = $1 AND l.sampled_at >= $2 AND l.transaction_id = ${t}.transaction_id ${FIRST_MATCH}))`;
}

/**
 * Transactions of station $1 whose readings in `table` are kept whatever their age: not stopped,
 * and started since the cutoff or still running (`stillRunningSql`). One not stopped with no row in
 * `table` before the cutoff is left out without asking whether it runs: none of its rows is a
 * candidate, and after the first cleanup that range holds little, so a transaction whose readings
 * went does not cost the scan of `stillRunningSql` every hour for ever. That check walks the
 * station's old range (all of it for a transaction whose readings went), so it runs after the
 * lost-stop lookups: first, it ran for every transaction whose stop was ever lost (dozens a station
 * over the years), and a statement mid-backlog on a station of 2 million readings took 23 s (seen
 * in EXPLAIN: 27 walks of the old range), every 5,000 rows. Uncorrelated: evaluated at most once
 * per statement, and only when an old row names a transaction.
 */
function runningSql(table: 'meter_readings' | 'meter_values'): string {
  return `SELECT t.transaction_id FROM transactions t WHERE t.station_id = $1 AND t.stopped_at IS NULL
    AND (t.started_at >= $2
      OR ${stillRunningSql('t', `EXISTS (SELECT 1 FROM ${table} o WHERE o.station_id = $1 AND o.sampled_at < $2 AND o.transaction_id = t.transaction_id ${FIRST_MATCH})`)})`;
}

/**
 * Readings past the cutoff by their stamp AND their receipt. `sampled_at` is the charger's clock,
 * taken as sent when not unset or ahead (time.ts): a clock reset to its firmware's build date stamps
 * readings years back, and by the stamp alone they went within the hour of their arrival. The
 * receipt is a filter on the rows the index range finds (their heap rows are read anyway).
 */
const oldReadings = (table: 'meter_readings' | 'meter_values') =>
  `station_id = $1 AND sampled_at < $2 AND received_at < $2 AND (transaction_id IS NULL OR transaction_id NOT IN (${runningSql(table)}))`;

/**
 * Per table: the condition picking one station's rows past `$2` (the cutoff), on the table's
 * `(station_id, time)` index — the only way to find old rows without a full scan, and the reason
 * the job works station by station: no index is added to these tables (meter_readings takes
 * thousands of inserts a second, each index costs every one of them).
 */
const OLD_ROWS: Record<RetentionTable, string> = {
  // A running transaction's readings stay whatever their age: its energy so far reads them.
  meter_readings: oldReadings('meter_readings'),
  // The table of the release before meter_readings (kept for the rollout, no longer written): the same rule.
  meter_values: oldReadings('meter_values'),
  // A start kept as sent because of an unset clock is the only way a retry of it finds its
  // transaction (`startsKeptAs`, unset-clock.ts: an epoch stamp is in no column), for as long as
  // that transaction is not stopped and its station reported within the retention, whatever the
  // readings or the lost-stop rule say. Such a retry comes after a power loss, when the charger is
  // back: after months off (no reading since the cutoff), and after its boot and first status, by
  // which the lost-stop rule already counts the session over. Its reconnection and boot stamp
  // `last_seen_at` before it, so the start of a station not seen since the cutoff (gone quiet, or
  // deleted) goes, as its session's readings go once unread that long: kept whatever the station,
  // the start of every session whose stop never came from a charger gone for good stayed for ever.
  // A charger back after longer than the retention has its retry taken for a new session.
  // Uncorrelated: one lookup per statement.
  // One ahead is found by `start_sent_at` (insertOrGet), so its message is needed only where that
  // is null: kept by a replica of the previous release (a rolling update), then as an unset clock's.
  // Kept stops are read only by a retry of the stop itself, which comes within the charger's retries.
  station_messages: `station_id = $1 AND received_at < $2
    AND NOT (kind IN ('${UNSET_CLOCK_START}', '${CLOCK_AHEAD_START}')
      AND EXISTS (SELECT 1 FROM stations s WHERE s.id = $1 AND s.last_seen_at >= $2)
      AND EXISTS (SELECT 1 FROM transactions t WHERE t.station_id = $1 AND t.started_at = station_messages.received_at AND t.stopped_at IS NULL
        AND (station_messages.kind = '${UNSET_CLOCK_START}' OR t.start_sent_at IS NULL)))`,
  rejected_frames: `station_id = $1 AND received_at < $2`,
  // Only settled ones: an open one (Requested, Accepted) still waits for its StartTransaction or timeout.
  remote_starts: `station_id = $1 AND requested_at < $2 AND status NOT IN ('Requested', 'Accepted')`,
};

/**
 * The retention job's own connection: the session advisory lock that makes one replica work at a
 * time lives on it, and the deletes run on it, so the job takes one pooled connection, not one per
 * statement. SQL only; the rules (cutoffs, batch sizes, when to stop) are in RetentionJob.
 */
export class RetentionSession {
  constructor(private readonly runner: QueryRunner) {}

  private locked = false;

  /** Takes the job's lock for this session if no other session holds it. */
  async tryLock(): Promise<boolean> {
    const [row] = (await this.runner.query(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`)) as { locked: boolean }[];
    this.locked = row?.locked === true;
    // No JIT for the deletes (their subplans are costed far over jit_above_cost, 0.6-1 s of LLVM
    // work each): every pooled connection starts with it off (PG_STARTUP_OPTIONS, @cpo/platform).
    return this.locked;
  }

  /**
   * The first station after `after` (in index order) and before `before` (when given) with rows in
   * `table`: one descent of the table's `(station_id, time)` index, so stations deleted since (whose
   * rows stay) are found too. Compared here, in the index's collation, never in JavaScript.
   */
  async nextStation(table: RetentionTable, after: string | undefined, before?: string): Promise<string | undefined> {
    const params: string[] = [];
    const bounds: string[] = [];
    if (after !== undefined) bounds.push(`station_id > $${params.push(after)}`);
    if (before !== undefined) bounds.push(`station_id < $${params.push(before)}`);
    const where = bounds.length > 0 ? `WHERE ${bounds.join(' AND ')}` : '';
    const rows = (await this.runner.query(`SELECT station_id FROM ${table} ${where} ORDER BY station_id LIMIT 1`, params)) as { station_id: string }[];
    return rows[0]?.station_id;
  }

  /** Deletes up to `limit` of the station's rows in `table` past `cutoff`; returns how many. */
  async deleteBatch(table: RetentionTable, stationId: string, cutoff: Date, limit: number): Promise<number> {
    return affectedRows(await this.runner.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${OLD_ROWS[table]} LIMIT $3)`, [stationId, cutoff, limit]));
  }

  /**
   * Releases the lock (if held) and gives the connection back to the pool, where a session lock
   * left behind would keep every replica from running. A lost connection released it already.
   */
  async close(): Promise<void> {
    try {
      if (this.locked) {
        await this.runner.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
      }
    } finally {
      this.locked = false;
      await this.runner.release();
    }
  }
}

@Injectable()
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /** A dedicated connection for one run (see RetentionSession). */
  async openSession(): Promise<RetentionSession> {
    const runner = this.db.createQueryRunner();
    await runner.connect();
    return new RetentionSession(runner);
  }
}
