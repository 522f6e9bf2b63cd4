import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, MetricsService, PeriodicJob, REDIS, ROOT_LOGGER } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RemsIngestConfig } from '../config.js';
import { RetentionRepository } from './retention.repository.js';

/** How often the job runs; it also holds the cross-replica lock this long at most. */
export const RETENTION_INTERVAL_MS = 60 * 60_000;
/** Rows per DELETE: each is its own short statement, with a pause between them, beside the ingest. */
const BATCH = 5_000;
const PAUSE_MS = 50;
/** A run stops after this long and continues at the next one, so a first run on a large backlog stays bounded. */
const MAX_RUN_MS = 5 * 60_000;
/** Expired refresh tokens are kept this long for the operator's view, then deleted. */
const EXPIRED_TOKEN_GRACE_MS = 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export interface RetentionRun {
  rawFrames: number;
  refreshTokens: number;
  /** False when the run stopped at MAX_RUN_MS with frames still to delete. */
  complete: boolean;
}

/**
 * Keeps the hot tables bounded: raw frames older than REMS_RAW_FRAME_RETENTION_DAYS (0 keeps them
 * all) and refresh tokens expired over a day. Decoded readings (`meter_reading`, what the graphs
 * read) are not touched. One replica runs it at a time (a Redis lock per database).
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;
  private readonly deleted: Counter;
  private readonly lockKey: string;

  constructor(
    private readonly repo: RetentionRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: RemsIngestConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    metrics: MetricsService,
  ) {
    const logger = root.child({ component: 'retention' });
    this.lockKey = `rems-retention:${new URL(config.DATABASE_URL).pathname}`;
    this.deleted = new Counter({ name: 'rems_retention_deleted_total', help: 'Rows deleted past their retention', labelNames: ['table'], registers: [metrics.registry] });
    this.job = new PeriodicJob(
      async () => {
        const run = await this.runIfLeader();
        if (run && (run.rawFrames || run.refreshTokens)) logger.info(run, 'retention run');
      },
      RETENTION_INTERVAL_MS,
      (err) => logger.error({ err }, 'retention run failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.job.start({ runNow: false });
  }

  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
  }

  /** One run if no other replica holds the lock; undefined when one does. */
  async runIfLeader(): Promise<RetentionRun | undefined> {
    const owner = randomUUID();
    if ((await this.redis.set(this.lockKey, owner, 'PX', RETENTION_INTERVAL_MS, 'NX')) !== 'OK') return undefined;
    return this.runOnce();
  }

  /** Deletes what is past its retention now. */
  async runOnce(): Promise<RetentionRun> {
    const now = this.clock.now();
    const run: RetentionRun = { rawFrames: 0, refreshTokens: 0, complete: true };
    run.refreshTokens = await this.repo.deleteRefreshTokensExpiredBefore(new Date(now.getTime() - EXPIRED_TOKEN_GRACE_MS));
    this.deleted.inc({ table: 'refresh_token' }, run.refreshTokens);
    const days = this.config.REMS_RAW_FRAME_RETENTION_DAYS;
    if (days > 0) {
      const cutoff = new Date(now.getTime() - days * DAY_MS);
      const started = Date.now();
      for (;;) {
        const n = await this.repo.deleteRawFramesBefore(cutoff, BATCH);
        run.rawFrames += n;
        this.deleted.inc({ table: 'raw_frame' }, n);
        if (n < BATCH) break;
        if (Date.now() - started > MAX_RUN_MS) {
          run.complete = false;
          break;
        }
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    }
    return run;
  }
}
