import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { REDIS, ROOT_LOGGER } from '@cpo/platform';
import { isSuccess } from '@cpo/ocpi-protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { partnerToken } from '../outbound/partner-token.js';
import type { Connection } from '../partners/partner.types.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { TokenVault } from '../partners/token-vault.js';
import { ClientInfoService } from './client-info.service.js';

/**
 * Still-alive check (guide §5 HubClientInfo): a partner silent for OCPI_STILL_ALIVE_AFTER_MS gets
 * a GET of its versions endpoint; failing marks it OFFLINE (no more pushes) and tells its
 * counterparts, answering again brings it back to CONNECTED. One replica runs it at a time.
 */
@Injectable()
export class StillAliveJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private readonly lockKey: string;

  constructor(
    private readonly repo: PartnersRepository,
    private readonly client: PartnerClient,
    private readonly vault: TokenVault,
    private readonly clientInfo: ClientInfoService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(HUB_CONFIG) private readonly config: OcpiHubConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.lockKey = `ocpi-hub:${config.NATS_SUBJECT_PREFIX ?? 'default'}:still-alive`;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.runOnce()).catch((err: unknown) => this.logger.error({ err }, 'still-alive check failed'));
    }, this.config.OCPI_STILL_ALIVE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the silent partners, if this replica holds the lock. */
  async runOnce(): Promise<void> {
    const owner = randomUUID();
    const locked = await this.redis.set(this.lockKey, owner, 'PX', this.config.OCPI_STILL_ALIVE_INTERVAL_MS, 'NX');
    if (locked !== 'OK') return;
    const silent = await this.repo.silentConnections(this.config.OCPI_STILL_ALIVE_AFTER_MS);
    await Promise.all(silent.map((c) => this.check(c)));
  }

  private async check(c: Connection): Promise<void> {
    const correlationId = randomUUID();
    let alive = false;
    try {
      const res = await this.client.call({ connectionId: c.id, partner: c.name, module: 'versions', method: 'GET', url: c.partnerVersionsUrl!, ...partnerToken(this.vault, c), correlationId });
      alive = isSuccess(res.httpStatus, res.envelope?.status_code);
    } catch {
      alive = false;
    }
    if (alive) {
      await this.repo.touch(c.id);
      if (c.status === 'OFFLINE') await this.change(c, 'CONNECTED', correlationId);
    } else if (c.status === 'CONNECTED') {
      await this.change(c, 'OFFLINE', correlationId);
    }
  }

  private async change(c: Connection, status: 'CONNECTED' | 'OFFLINE', correlationId: string): Promise<void> {
    await this.repo.setStatus(c.id, status);
    this.logger.warn({ partner: c.name, status }, 'partner connection status changed by still-alive check');
    this.clientInfo.notify(await this.clientInfo.noticesForConnection(c, status), correlationId);
  }
}
