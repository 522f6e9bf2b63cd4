import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { REDIS, ROOT_LOGGER } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { isRegistered } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { SyncService } from './sync.service.js';

/** Which pull is due at `now`, if any: one a day at the configured hour, full on the configured weekday. */
export function dueSync(now: Date, hourUtc: number, fullWeekday: number): { day: string; mode: 'delta' | 'full' } | undefined {
  if (now.getUTCHours() !== hourUtc) return undefined;
  return { day: now.toISOString().slice(0, 10), mode: now.getUTCDay() === fullWeekday ? 'full' : 'delta' };
}

/**
 * The nightly pull (guide §7.1): checked every minute; the first replica to claim the day in Redis
 * runs it for every registered partner, one after the other.
 */
@Injectable()
export class SyncJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly sync: SyncService,
    private readonly repo: PartnersRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick(new Date())).catch((err: unknown) => this.logger.error({ err }, 'sync job failed'));
    }, 60_000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(now: Date): Promise<void> {
    const due = dueSync(now, this.config.OCPI_SYNC_HOUR_UTC, this.config.OCPI_SYNC_FULL_WEEKDAY);
    if (!due) return;
    const key = `ocpi-hub:${this.config.NATS_SUBJECT_PREFIX ?? 'default'}:sync:${due.day}`;
    if ((await this.redis.set(key, '1', 'EX', 2 * 86_400, 'NX')) !== 'OK') return;
    for (const c of await this.repo.listConnections()) {
      if (!isRegistered(c) || c.status !== 'CONNECTED') continue;
      await this.sync.syncConnection(c.id, due.mode).catch((err: unknown) => this.logger.warn({ err, partner: c.name }, 'partner sync failed'));
    }
  }
}
