import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { busForecastType, classifyForecast, normaliseBlocks, taipeiTomorrow, type Clock, type GroupCapacityForecastMessage } from '@cpo/oscp-protocol';
import { APP_CONFIG, MetricsService, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { AdjustRepository } from '../adjust/adjust.repository.js';
import { OSCP_CLOCK } from '../clock.js';
import type { OscpConfig } from '../config.js';
import { GroupRepository } from '../partners/group.repository.js';
import type { Partner } from '../partners/partner.repository.js';
import { ForecastRepository, type StoredForecast } from './forecast.repository.js';

/**
 * Incoming capacity forecasts: normalised to W, classified (ELMO sends no purpose), stored per
 * group and published as `capacity.forecast.received` in the same transaction. The planner owns
 * the resulting timeline; this service never drops a limit because of its own connection state.
 */
@Injectable()
export class ForecastsService {
  private readonly logger: Logger;
  private readonly received: Counter<'kind'>;
  private readonly anomalies: Counter<'reason'>;

  constructor(
    private readonly forecasts: ForecastRepository,
    private readonly groups: GroupRepository,
    private readonly adjusts: AdjustRepository,
    private readonly outbox: OutboxWriter,
    metrics: MetricsService,
    @Inject(OSCP_CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-forecasts' });
    this.received = new Counter({ name: 'oscp_forecasts_received_total', help: 'Capacity forecasts accepted, by kind', labelNames: ['kind'], registers: [metrics.registry] });
    this.anomalies = new Counter({
      name: 'oscp_forecast_anomalies_total',
      help: 'Forecasts accepted in odd circumstances (not connected, late day plan, null hours, all expired)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }

  /** Applies one UpdateGroupCapacityForecast inside the inbound transaction. */
  async receive(tx: EntityManager, partner: Partner, requestId: string, msg: GroupCapacityForecastMessage): Promise<StoredForecast> {
    const group = await this.groups.get(partner.id, msg.group_id, tx);
    if (!group) throw new ValidationError(`unknown group_id ${msg.group_id}`);
    const now = this.clock.now();
    const normalised = normaliseBlocks(msg.forecasted_blocks, {
      contractCapacityW: group.contractCapacityKw === null ? undefined : group.contractCapacityKw * 1000,
      nominalVoltageV: this.config.OSCP_NOMINAL_VOLTAGE_V,
    });
    if (!normalised.ok) throw new ValidationError(normalised.message);
    const adjust = await this.adjusts.get(partner.id, group.groupId, taipeiTomorrow(now), tx);
    const adjustAcceptedAt = adjust?.status === 'accepted' || adjust?.status === 'already_requested' ? (adjust.acceptedAt ?? adjust.requestedAt) : undefined;
    const c = classifyForecast(msg.type, normalised.blocks, { now, profile: partner.profile, adjustAcceptedAt });
    const forecast: Omit<StoredForecast, 'id'> = {
      partnerId: partner.id,
      groupId: group.groupId,
      requestId,
      forecastType: msg.type,
      kind: c.kind,
      day: c.day ?? null,
      late: c.late,
      blocks: c.blocks,
      published: c.blocks.length > 0,
      receivedAt: now,
    };
    const id = await this.forecasts.insert(tx, forecast);
    if (forecast.published) {
      await this.outbox.enqueue(tx, Subjects.CapacityForecastReceived, {
        partnerId: partner.id,
        groupId: group.groupId,
        requestId,
        forecastType: busForecastType(msg.type),
        kind: c.kind,
        receivedAt: now.toISOString(),
        blocks: c.blocks,
      });
    }
    this.received.inc({ kind: c.kind });
    const log = { partnerId: partner.id, groupId: group.groupId, requestId, kind: c.kind, day: c.day };
    if (partner.state !== 'CONNECTED') this.alarm('not_connected', log, `forecast accepted while the connection is ${partner.state}`);
    if (c.late) this.alarm('late_day_plan', log, 'full-day plan for today received (expected for tomorrow)');
    if (normalised.substitutedNulls > 0) this.alarm('null_hours', { ...log, hours: normalised.substitutedNulls }, 'null capacity hours replaced by the contract capacity');
    if (!forecast.published) this.alarm('expired', log, 'every block of the forecast had already ended; stored, not published');
    this.logger.info(log, 'capacity forecast accepted');
    return { id, ...forecast };
  }

  list(filter: { partnerId?: string; groupId?: string; day?: string; limit: number }): Promise<StoredForecast[]> {
    return this.forecasts.list(filter);
  }

  private alarm(reason: string, context: object, message: string): void {
    this.anomalies.inc({ reason });
    this.logger.warn({ ...context, reason }, message);
  }
}
