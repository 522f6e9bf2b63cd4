import { Streams, Subjects, type CapacityComplianceFailed } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { buildComplianceError } from '@cpo/oscp-protocol';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { OscpConfig } from '../config.js';
import { ForecastRepository } from '../forecasts/forecast.repository.js';
import { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import { OutboundRepository } from '../outbound/outbound.repository.js';
import { PartnerResolver } from '../partners/partner-resolver.js';
import { PartnersService } from '../partners/partners.service.js';

/** `capacity.compliance.failed` → `group_capacity_compliance_error`, correlated with the forecast's request id. */
@Injectable()
export class ComplianceService implements OnModuleInit {
  private readonly logger: Logger;
  /** Groups already logged as having no partner (per process: the log is a hint, not a record). */
  private readonly partnerless = new Set<string>();
  /** Groups already warned about as having no forecast to correlate with (per process, like `partnerless`). */
  private readonly unforecast = new Set<string>();

  constructor(
    private readonly forecasts: ForecastRepository,
    private readonly outbound: OutboundRepository,
    private readonly dispatcher: OutboundDispatcher,
    private readonly resolver: PartnerResolver,
    private readonly partners: PartnersService,
    private readonly consumers: ConsumerHost,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-compliance' });
  }

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.CapacityComplianceFailed>({
      durable: 'oscp-compliance-errors',
      stream: Streams.CAPACITY,
      filterSubject: Subjects.CapacityComplianceFailed,
      handler: (event, tx) => this.report(tx, event.payload),
      afterCommit: () => this.dispatcher.kick(),
    });
    this.dispatcher.on('group_capacity_compliance_error', {
      onFailed: async (m, outcome, tx) => {
        if (outcome.kind === 'answer' && outcome.status === 403) await this.partners.rejected(tx, m.partnerId);
      },
    });
  }

  /**
   * A group without a partner (planner groups need none) has nobody to send the error to: the
   * event is acknowledged, not dead-lettered as a failure; the planner reports the incident itself.
   * So is one of a partner's group that has no forecast yet: the error must be correlated with a
   * forecast (ELMO answers 400 without one), and no retry makes one appear for this failure; warned
   * once per group, as the partner is expected to have sent one (the planner worked from the
   * group's configured capacity).
   */
  async report(tx: EntityManager, e: CapacityComplianceFailed): Promise<void> {
    const partner = await this.resolver.forGroupIfAny(e.groupId, e.partnerId);
    if (!partner) {
      const first = !this.partnerless.has(e.groupId);
      this.partnerless.add(e.groupId);
      const level = first ? 'info' : 'debug';
      this.logger[level]({ groupId: e.groupId }, 'compliance failure of a group with no partner: nobody to report it to, skipped');
      return;
    }
    this.partnerless.delete(e.groupId);
    this.resolver.assertConnected(partner);
    const correlationId = e.forecastRequestId ?? (await this.forecasts.latest(partner.id, e.groupId))?.requestId;
    if (!correlationId) {
      const first = !this.unforecast.has(e.groupId);
      this.unforecast.add(e.groupId);
      this.logger[first ? 'warn' : 'debug']({ groupId: e.groupId, partnerId: partner.id }, 'compliance failure of a group its partner sent no forecast for: a compliance error must point at one, skipped');
      return;
    }
    this.unforecast.delete(e.groupId);
    const queued = await this.outbound.enqueue(tx, {
      partnerId: partner.id,
      action: 'group_capacity_compliance_error',
      body: buildComplianceError(e),
      correlationId,
      context: { groupId: e.groupId },
      maxAttempts: this.config.OSCP_HTTP_MAX_ATTEMPTS,
    });
    this.logger.info({ groupId: e.groupId, correlationId, requestId: queued.requestId }, 'compliance error queued');
  }
}
