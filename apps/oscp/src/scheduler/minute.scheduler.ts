import { floorMinute, type Clock } from '@cpo/oscp-protocol';
import { APP_CONFIG, REDIS, ROOT_LOGGER, runWithCorrelation } from '@cpo/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AlertsService } from '../alerts/alerts.service.js';
import { OSCP_CLOCK } from '../clock.js';
import type { OscpConfig } from '../config.js';
import { MeasurementJob } from '../measurements/measurement.job.js';
import { PartnersService } from '../partners/partners.service.js';

/**
 * Runs the per-minute work once across replicas: every replica ticks, and the one that wins the
 * Redis lock for a minute sends measurements and checks for missed messages. A minute nobody ran
 * (all replicas down) is caught up by the next run, because points cover every minute since the last.
 */
@Injectable()
export class MinuteScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastMinute?: number;

  constructor(
    private readonly measurements: MeasurementJob,
    private readonly alerts: AlertsService,
    private readonly partners: PartnersService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(OSCP_CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-scheduler' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, this.config.OSCP_SCHEDULER_TICK_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One tick: if a new minute started and this replica wins its lock, do the minute's work. */
  async tick(): Promise<void> {
    // Idempotent and cheap, so every replica may run it on every tick.
    await this.partners.expireRegistrations().catch((err: unknown) => this.logger.error({ err }, 'registration expiry failed'));
    await this.partners.heartbeats(this.clock.now()).catch((err: unknown) => this.logger.error({ err }, 'heartbeat handling failed'));
    const minute = floorMinute(this.clock.now());
    if (minute === this.lastMinute) return;
    const key = `${this.config.SERVICE_NAME}:${this.config.NATS_SUBJECT_PREFIX ?? 'default'}:minute:${minute}`;
    try {
      const won = await this.redis.set(key, '1', 'PX', 10 * 60_000, 'NX');
      this.lastMinute = minute;
      if (won !== 'OK') return;
      await runWithCorrelation(`minute-${minute}`, async () => {
        await this.measurements.run(minute);
        await this.alerts.check(this.clock.now());
      });
    } catch (err) {
      // Nothing is lost: the next minute's run records and sends every minute since the last point.
      this.logger.error({ err, minute: new Date(minute).toISOString() }, 'per-minute job failed');
    }
  }
}
