import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER, APP_CONFIG, MetricsService } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { AdjustRepository } from '../adjust/adjust.repository.js';
import type { OscpConfig } from '../config.js';
import { ForecastRepository } from '../forecasts/forecast.repository.js';
import { GroupRepository } from '../partners/group.repository.js';
import { PartnerRepository } from '../partners/partner.repository.js';
import { AlertRepository, type Alert } from './alert.repository.js';
import { overdue } from './missed-messages.js';

/**
 * Notices ELMO messages that did not come: no assignment for tomorrow by 10:05, no reply to an
 * accepted adjust by 16:10. Each is recorded once per group and day, published as
 * `capacity.forecast.missed`, logged and counted; applying the fallback (contract capacity) is the
 * planner's job.
 */
@Injectable()
export class AlertsService {
  private readonly logger: Logger;
  private readonly missed: Counter<'kind'>;

  constructor(
    private readonly partners: PartnerRepository,
    private readonly groups: GroupRepository,
    private readonly forecasts: ForecastRepository,
    private readonly adjusts: AdjustRepository,
    private readonly alerts: AlertRepository,
    private readonly outbox: OutboxWriter,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-alerts' });
    this.missed = new Counter({ name: 'oscp_missed_messages_total', help: 'Expected provider messages that did not arrive in time', labelNames: ['kind'], registers: [metrics.registry] });
  }

  async check(now: Date): Promise<number> {
    let raised = 0;
    const deadlines = { assign: this.config.OSCP_ASSIGN_DEADLINE, reply: this.config.OSCP_REPLY_DEADLINE };
    for (const partner of await this.partners.list()) {
      if (partner.profile !== 'elmo' || partner.state === 'UNREGISTERED') continue;
      for (const group of await this.groups.listByPartner(partner.id)) {
        const { day } = overdue(now, { assignmentReceived: true, adjustAccepted: false, replyReceived: true }, deadlines);
        const adjust = await this.adjusts.get(partner.id, group.groupId, day);
        const facts = {
          assignmentReceived: await this.forecasts.exists(partner.id, group.groupId, day, ['day_ahead_assignment', 'day_ahead_reply']),
          adjustAccepted: adjust?.status === 'accepted' || adjust?.status === 'already_requested',
          replyReceived: await this.forecasts.exists(partner.id, group.groupId, day, ['day_ahead_reply']),
        };
        for (const kind of overdue(now, facts, deadlines).kinds) {
          const message = kind === 'assignment_missing' ? `no day-ahead assignment for ${day} by ${deadlines.assign}` : `no reply to the adjust request for ${day} by ${deadlines.reply}`;
          const fresh = await this.dataSource.transaction(async (tx) => {
            if (!(await this.alerts.raise(tx, { partnerId: partner.id, groupId: group.groupId, kind, day, message, raisedAt: now }))) return false;
            await this.outbox.enqueue(tx, Subjects.CapacityForecastMissed, { partnerId: partner.id, groupId: group.groupId, kind, date: day, detectedAt: now.toISOString() });
            return true;
          });
          if (!fresh) continue;
          raised++;
          this.missed.inc({ kind });
          this.logger.warn({ partnerId: partner.id, groupId: group.groupId, kind, day }, message);
        }
      }
    }
    return raised;
  }

  list(limit = 100): Promise<Alert[]> {
    return this.alerts.list(limit);
  }
}
