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
 * keeps up, and a backlog shrinks by over a million rows each hour.
 */
const MAX_ROWS_PER_RUN = 2_000_000;
const MAX_RUN_MS = 10 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** Which retention each table follows (every other table is kept: docs/ocpp.md, Data retention). */
const TABLES: { table: RetentionTable; days: (c: OcppConfig) => number }[] = [
  { table: 'meter_readings', days: (c) => c.OCPP_METER_RETENTION_DAYS },
  { table: 'meter_values', days: (c) => c.OCPP_METER_RETENTION_DAYS },
  { table: 'station_messages', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
  { table: 'rejected_frames', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
  { table: 'remote_starts', days: (c) => c.OCPP_MESSAGE_RETENTION_DAYS },
];

export interface RetentionRun {
  deleted: Record<RetentionTable, number>;
  /** False when the run stopped at its cap or at shutdown with rows possibly still to delete. */
  complete: boolean;
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
  /** Pause after a full batch, so the chargers' writes get the disk between deletes (tests: 0). */
  pauseMs = 20;

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

  private async run(session: RetentionSession, now: Date): Promise<RetentionRun> {
    const run: RetentionRun = { deleted: { meter_readings: 0, meter_values: 0, station_messages: 0, rejected_frames: 0, remote_starts: 0 }, complete: true };
    const started = Date.now();
    let total = 0;
    const stop = () => this.stopping || total >= MAX_ROWS_PER_RUN || Date.now() - started > MAX_RUN_MS;
    for (const { table, days } of TABLES) {
      const d = days(this.config);
      if (d === 0) continue;
      const cutoff = new Date(now.getTime() - d * DAY_MS);
      // Station by station, in index order: every statement stays on one station's index range.
      for (let station = await session.nextStation(table, undefined); station !== undefined; station = await session.nextStation(table, station)) {
        for (;;) {
          if (stop()) return { ...run, complete: false };
          const n = await session.deleteBatch(table, station, cutoff, RETENTION_BATCH);
          run.deleted[table] += n;
          total += n;
          this.metrics.retentionDeleted.inc({ table }, n);
          if (n < RETENTION_BATCH) break;
          if (this.pauseMs > 0) await sleep(this.pauseMs);
        }
      }
    }
    return run;
  }
}
