import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { RetentionRepository, type RetentionSession, type RetentionTable } from './retention.repository.js';

/** How often the job runs. */
export const RETENTION_INTERVAL_MS = 60 * 60_000;
/** The first run, a few minutes after start: not in the boot's rush of reconnecting chargers. */
export const RETENTION_FIRST_RUN_MS = 5 * 60_000;
/**
 * Rows per DELETE: each its own short statement (an index range of one station, milliseconds),
 * far from DATABASE_STATEMENT_TIMEOUT_MS, and the locks it takes are on old rows nobody writes.
 */
export const RETENTION_BATCH = 5_000;
/**
 * A run stops after this many rows or this long, and the next run continues (the first run on a
 * long-kept database has a large backlog): a bounded amount of WAL and vacuum work per hour. 2
 * million is over three hours of the 14 million readings a day of 10,000 chargers, so a run
 * keeps up, and a backlog shrinks by over a million rows each hour. Shared among the tables:
 * `tableShare`.
 */
const MAX_ROWS_PER_RUN = 2_000_000;
const MAX_RUN_MS = 10 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** PostgreSQL's query_canceled, raised by statement_timeout. */
const STATEMENT_TIMEOUT = '57014';

/** Which retention each table follows (every other table is kept: docs/ocpp.md, Data retention). */
const TABLES: { table: RetentionTable; days: (c: OcppConfig) => number }[] = [
  { table: 'meter_readings', days: (c) => c.OCPP_METER_RETENTION_DAYS },
  { table: 'meter_values', days: (c) => c.OCPP_METER_RETENTION_DAYS },
  { table: 'station_messages', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
  { table: 'rejected_frames', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
  { table: 'remote_starts', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
];

export interface RetentionBudget {
  rows: number;
  ms: number;
}

/**
 * The part of what is left of the run's budget that the next table gets: an equal part among the
 * `tablesLeft` tables still to work in this pass, so what one table does not use goes to the ones
 * after it. Tables were worked in a fixed order with the whole budget, and a meter backlog (tens of
 * millions of rows on a first run, several runs) left the message tables nothing for days. Passes
 * repeat while the budget lasts, so once the other tables are through, a backlog gets the rest of
 * the run: fair without slowing it. Chosen over a weight per table (guessing their sizes) and over
 * a table per run in turn (which stalls every table behind a backlog's).
 */
export function tableShare(left: RetentionBudget, tablesLeft: number): RetentionBudget {
  return { rows: left.rows / tablesLeft, ms: Math.max(0, left.ms) / tablesLeft };
}

export interface RetentionRun {
  deleted: Record<RetentionTable, number>;
  /**
   * Nothing left to delete as of this run's cutoffs: every station of every table was worked in
   * it, none skipped. False when it stopped at its cap or at shutdown, or skipped a station.
   */
  complete: boolean;
}

interface TableWork {
  table: RetentionTable;
  cutoff: Date;
}

/** Where a run's walk of a table began (undefined: at its first station), and whether it went round since. */
interface Walk {
  from: string | undefined;
  wrapped: boolean;
}

/**
 * Deletes meter readings and charger diagnostics past their retention (OCPP_METER_RETENTION_DAYS,
 * OCPP_MESSAGE_RETENTION_DAYS), as rems-ingest's RetentionJob does for its raw frames, keeping
 * what a running transaction still needs (see RetentionSession's conditions).
 *
 * One replica works at a time: a session advisory lock (pg_try_advisory_lock) on the job's own
 * connection, held for the run. Chosen over a lock per batch, with which replicas would take
 * turns inside one run and double the deleting load; over rems-ingest's Redis key, because a
 * PostgreSQL session lock goes with its connection, so a replica killed mid-run frees it at once
 * rather than when a key expires, and the lock is per database as the data is.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;
  private readonly logger: Logger;
  private firstRun?: NodeJS.Timeout;
  private stopping = false;
  /**
   * Per table, the station its last run stopped at (for want of budget): the next run resumes
   * there. Restarting at the first station re-walked every station's empty index range before
   * reaching the backlog. In memory: another replica taking the lock resumes from its own (or the
   * first station), which costs a walk, not a row.
   */
  private readonly resumeAt = new Map<RetentionTable, string>();
  /** Per table, the current run's walk (reset each run). */
  private readonly walks = new Map<RetentionTable, Walk>();
  /** Pause after a full batch, so the chargers' writes get the disk between deletes (tests: 0). */
  pauseMs = 20;
  /** The run's budget and statement size (public for tests, as `pauseMs`). */
  maxRowsPerRun = MAX_ROWS_PER_RUN;
  maxRunMs = MAX_RUN_MS;
  batchSize = RETENTION_BATCH;
  /** A station was skipped in the current run (its delete timed out): the run is not complete. */
  private skippedInRun = false;

  constructor(
    private readonly repo: RetentionRepository,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly metrics: OcppMetrics,
  ) {
    this.logger = root.child({ component: 'retention' });
    this.job = new PeriodicJob(() => this.runIfLeader(), RETENTION_INTERVAL_MS, (err) => this.logger.error({ err }, 'retention run failed'));
  }

  onApplicationBootstrap(): void {
    if (TABLES.every((t) => t.days(this.config) === 0)) return;
    this.job.start({ runNow: false });
    this.firstRun = setTimeout(() => void this.job.runNow(), RETENTION_FIRST_RUN_MS);
    this.firstRun.unref();
  }

  /** Before the database closes: the run in progress ends after its current statement. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.firstRun);
    await this.job.stop();
  }

  /** One run if no other replica is running one (undefined then, and at shutdown). */
  async runIfLeader(now = new Date()): Promise<RetentionRun | undefined> {
    if (this.stopping) return undefined;
    const session = await this.repo.openSession();
    try {
      if (!(await session.tryLock())) {
        this.logger.debug('retention: another replica is running it');
        return undefined;
      }
      const run = await this.run(session, now);
      const total = Object.values(run.deleted).reduce((a, b) => a + b, 0);
      if (total > 0 || !run.complete) this.logger.info({ deleted: run.deleted, complete: run.complete }, 'retention run');
      return run;
    } finally {
      await session.close();
    }
  }

  /**
   * Complete when every table's walk went round all its stations in this run: one resumed from a
   * cursor goes on from the first station to where it began. Reported complete at the last
   * station, a resumed run overlooked what lay behind its cursor: a station an earlier run skipped,
   * and the rows aged past the cutoff since an earlier run walked there (several runs back after a
   * long backlog).
   */
  private async run(session: RetentionSession, now: Date): Promise<RetentionRun> {
    this.skippedInRun = false;
    this.walks.clear();
    const run: RetentionRun = { deleted: { meter_readings: 0, meter_values: 0, station_messages: 0, rejected_frames: 0, remote_starts: 0 }, complete: false };
    const deadline = Date.now() + this.maxRunMs;
    let rowsLeft = this.maxRowsPerRun;
    let pending: TableWork[] = TABLES.filter((t) => t.days(this.config) > 0).map((t) => ({ table: t.table, cutoff: new Date(now.getTime() - t.days(this.config) * DAY_MS) }));
    while (pending.length > 0) {
      if (this.stopping || rowsLeft <= 0 || Date.now() >= deadline) return run;
      const unfinished: TableWork[] = [];
      for (const [i, work] of pending.entries()) {
        const share = tableShare({ rows: rowsLeft, ms: deadline - Date.now() }, pending.length - i);
        const { deleted, done } = await this.work(session, work, share, run);
        rowsLeft -= deleted;
        if (!done) unfinished.push(work);
      }
      pending = unfinished;
    }
    return { ...run, complete: !this.stopping && !this.skippedInRun };
  }

  /** One table, station by station from where it stopped, within `share`; `done` once round all its stations. */
  private async work(session: RetentionSession, { table, cutoff }: TableWork, share: RetentionBudget, run: RetentionRun): Promise<{ deleted: number; done: boolean }> {
    const until = Date.now() + share.ms;
    let deleted = 0;
    let walk = this.walks.get(table);
    if (walk === undefined) {
      walk = { from: this.resumeAt.get(table), wrapped: false };
      this.walks.set(table, walk);
    }
    // Station by station, in index order: every statement stays on one station's index range.
    let station = this.resumeAt.get(table) ?? (await this.nextStation(session, table, undefined, walk));
    for (; station !== undefined; station = await this.nextStation(session, table, station, walk)) {
      for (;;) {
        if (this.stopping || deleted >= share.rows || Date.now() >= until) {
          this.resumeAt.set(table, station);
          return { deleted, done: false };
        }
        const n = await this.deleteBatch(session, table, station, cutoff);
        if (n === undefined) {
          // Set at once: a walk stopped at its cap after it still comes back to this station in the run.
          this.skippedInRun = true;
          break;
        }
        run.deleted[table] += n;
        deleted += n;
        this.metrics.retentionDeleted.inc({ table }, n);
        if (n < this.batchSize) break;
        if (this.pauseMs > 0) await sleep(this.pauseMs);
      }
    }
    this.resumeAt.delete(table);
    return { deleted, done: true };
  }

  /**
   * The station after `after` in the walk: past the table's last station, a walk begun at a cursor
   * goes on from the first, up to (not including) where it began. Bounded by the database's order
   * (`before`), as the walk is, and not by the station it began at, whose rows may all be gone.
   */
  private async nextStation(session: RetentionSession, table: RetentionTable, after: string | undefined, walk: Walk): Promise<string | undefined> {
    if (!walk.wrapped) {
      const next = await session.nextStation(table, after);
      if (next !== undefined || walk.from === undefined) return next;
      walk.wrapped = true;
      after = undefined;
    }
    return session.nextStation(table, after, walk.from);
  }

  /**
   * One batch, or undefined when its statement hit DATABASE_STATEMENT_TIMEOUT_MS: that station is
   * left to the next run and the others go on. Ending the run there instead, every later run would
   * stop at the same station and the tables and stations behind it would never be worked. Any other
   * error (a lost connection, the lock's session gone) ends the run.
   */
  private async deleteBatch(session: RetentionSession, table: RetentionTable, station: string, cutoff: Date): Promise<number | undefined> {
    try {
      return await session.deleteBatch(table, station, cutoff, this.batchSize);
    } catch (err) {
      if ((err as { code?: unknown }).code !== STATEMENT_TIMEOUT) throw err;
      this.logger.warn({ err, table, stationId: station }, 'retention: a delete timed out; station skipped until the next run');
      return undefined;
    }
  }
}
