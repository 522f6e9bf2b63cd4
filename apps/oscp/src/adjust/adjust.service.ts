import { Streams, Subjects, type CapacityAdjustRequested } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { buildElmoAdjust, taipeiTomorrow, type Clock } from '@cpo/oscp-protocol';
import { APP_CONFIG, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { OSCP_CLOCK } from '../clock.js';
import type { OscpConfig } from '../config.js';
import { ForecastRepository } from '../forecasts/forecast.repository.js';
import { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import { OutboundRepository } from '../outbound/outbound.repository.js';
import { PartnerResolver } from '../partners/partner-resolver.js';
import { PartnersService } from '../partners/partners.service.js';
import { AdjustRepository } from './adjust.repository.js';

/**
 * `capacity.adjust.requested` (or an operator) → `adjust_group_capacity_forecast`, obeying ELMO:
 * tomorrow only, 24 integer-kW hours, once per day, after the assignment and before the cut-off.
 */
@Injectable()
export class AdjustService implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    private readonly adjusts: AdjustRepository,
    private readonly forecasts: ForecastRepository,
    private readonly outbound: OutboundRepository,
    private readonly dispatcher: OutboundDispatcher,
    private readonly resolver: PartnerResolver,
    private readonly partners: PartnersService,
    private readonly consumers: ConsumerHost,
    private readonly dataSource: DataSource,
    @Inject(OSCP_CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-adjust' });
  }

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.CapacityAdjustRequested>({
      durable: 'oscp-adjust-requests',
      stream: Streams.CAPACITY,
      filterSubject: Subjects.CapacityAdjustRequested,
      handler: async (event, tx) => {
        await this.request(tx, event.payload);
      },
      afterCommit: () => this.dispatcher.kick(),
    });
    this.dispatcher.on('adjust_group_capacity_forecast', {
      onSent: async (m, tx) => this.adjusts.setStatus(tx, m.id, 'accepted', this.clock.now()),
      onFailed: async (m, outcome, tx) => {
        const status = outcome.kind === 'answer' ? outcome.status : 0;
        // A retry after a lost 204 comes back 400 "already requested": the first attempt got through.
        const already = status === 400 && m.attempts > 1;
        await this.adjusts.setStatus(tx, m.id, already ? 'already_requested' : 'rejected', already ? this.clock.now() : undefined);
        if (status === 403) await this.partners.rejected(tx, m.partnerId);
        this.logger.warn({ groupId: m.context.groupId, day: m.context.day, status, already }, 'adjust request not accepted');
      },
    });
  }

  /** Queues the adjust inside `tx`; rule violations are permanent (ValidationError), a missing connection is retried. */
  async request(tx: EntityManager, r: CapacityAdjustRequested): Promise<{ requestId: string }> {
    const partner = await this.resolver.forGroup(r.groupId, r.partnerId);
    this.resolver.assertConnected(partner);
    const now = this.clock.now();
    const built = buildElmoAdjust(r, now, this.config.OSCP_ADJUST_CUTOFF);
    if (!built.ok) throw new ValidationError(built.message);
    const day = taipeiTomorrow(now);
    if (!(await this.forecasts.exists(partner.id, r.groupId, day, ['day_ahead_assignment']))) {
      throw new ValidationError(`no day-ahead assignment for ${day} received: the provider accepts no adjust without one`);
    }
    const queued = await this.outbound.enqueue(tx, {
      partnerId: partner.id,
      action: 'adjust_group_capacity_forecast',
      body: built.message,
      context: { groupId: r.groupId, day, reason: r.reason },
      maxAttempts: this.config.OSCP_HTTP_MAX_ATTEMPTS,
    });
    const inserted = await this.adjusts.insert(tx, { partnerId: partner.id, groupId: r.groupId, day, outboundId: queued.id, requestedBy: r.requestedBy, requestedAt: now });
    if (!inserted) throw new ValidationError(`an adjust for ${r.groupId} on ${day} was already requested (the provider accepts one per day)`);
    this.logger.info({ groupId: r.groupId, day, requestId: queued.requestId, requestedBy: r.requestedBy }, 'adjust request queued');
    return queued;
  }

  /** Operator path: same rules, own transaction. */
  async requestNow(r: CapacityAdjustRequested): Promise<{ requestId: string }> {
    const queued = await this.dataSource.transaction((tx) => this.request(tx, r));
    this.dispatcher.kick();
    return queued;
  }
}
