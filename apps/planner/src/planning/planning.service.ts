import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subjects, type CapacityComplianceFailed } from '@cpo/contracts';
import { OutboxWriter, type OutboxEvent } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { CapacityService } from '../capacity/capacity.service.js';
import { ComplianceWatchService } from '../compliance/compliance-watch.service.js';
import { CLOCK, type Clock } from '../clock.js';
import type { PlannerConfig } from '../config.js';
import { DAY_MS, buildTimeline, nextTaipeiDay, pvCreditW, taipeiDayOf, taipeiDayStartMs } from '../timeline/index.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { describeIncident, incidentKey, nextIncident } from './incident.js';
import { PlanningMetrics } from './planning-metrics.js';
import { PlanningRepository } from './planning.repository.js';
import { DEFAULT_EV_DEMAND } from './ev-demand.js';
import { planRound } from './round.js';
import type { RoundOptions, RoundResult } from './round-types.js';

/** The solar credit is the minimum output over this window (planner guide §6). */
const PV_WINDOW_MS = 300_000;

/** What a round did, for the API and the logs. */
export interface RoundSummary {
  readonly groupId: string;
  readonly plannedAt: string;
  readonly limitW: number;
  readonly availableW: number;
  readonly allocatedW: number;
  readonly published: number;
  readonly deferred: number;
  readonly infeasible: boolean;
}

/**
 * Runs planning rounds: loads a group's limit sources and live state, runs the pure round, and
 * stores the targets together with the plans and events it publishes (one transaction, through the
 * outbox), under a per-group lock so replicas never interleave rounds of the same group.
 */
@Injectable()
export class PlanningService {
  private readonly options: RoundOptions;
  private readonly incidentConfirmMs: number;

  constructor(
    private readonly repository: PlanningRepository,
    private readonly topology: TopologyRepository,
    private readonly capacity: CapacityService,
    private readonly watch: ComplianceWatchService,
    private readonly outbox: OutboxWriter,
    private readonly metrics: PlanningMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.options = {
      ackTimeoutMs: config.PLANNER_ACK_TIMEOUT_S * 1000,
      uncontrolledRetryMs: config.PLANNER_UNCONTROLLED_RETRY_S * 1000,
      offlineGraceMs: config.PLANNER_OFFLINE_GRACE_S * 1000,
      rampPerSecond: config.PLANNER_RAMP_PER_S,
      hysteresis: { deltaA: 1, resumeAfterMs: 60_000, minChargingMs: 120_000, minPausedMs: 120_000 },
      deadbandA: 0.5,
      deadbandFraction: 0.03,
      evDemand: config.PLANNER_EV_RECLAIM ? { ...DEFAULT_EV_DEMAND, settleMs: config.PLANNER_EV_SETTLE_S * 1000 } : undefined,
    };
    this.incidentConfirmMs = config.PLANNER_INCIDENT_CONFIRM_S * 1000;
  }

  /** One round for the group; undefined when the group does not exist (any more). */
  async planGroup(groupId: string, cause: string): Promise<RoundSummary | undefined> {
    const stopTimer = this.metrics.rounds.startTimer();
    const configured = await this.topology.model(groupId);
    if (!configured) return undefined;
    // The window in progress: a margin raised after recent breaches, and less power while at risk.
    const window = await this.watch.status(groupId).catch((err: Error) => {
      this.logger.warn({ err, groupId }, 'compliance window status unavailable; planning with the configured margin');
      return undefined;
    });
    const group = window === undefined ? configured : { ...configured, safetyMargin: window.margin };
    const windowCapW = window?.status === 'at_risk' || window?.status === 'breached' ? window.headroomW : undefined;
    const nowMs = this.clock.now();
    // Tomorrow is part of every plan: the day-ahead values for it are known from 10:00 Taipei on.
    const horizonMs = taipeiDayStartMs(nextTaipeiDay(taipeiDayOf(nowMs))) + DAY_MS;
    const { config, state } = await this.capacity.capacity(group, nowMs);
    const timeline = buildTimeline(config, state, { fromMs: nowMs, toMs: horizonMs });
    const summary = await this.repository.transaction(async (tx) => {
      await this.repository.lockGroup(tx, groupId);
      const stations = await this.repository.stations(tx, groupId);
      const connectors = await this.repository.connectors(tx, groupId);
      const previous = await this.repository.previousTargets(tx, groupId);
      const published = await this.repository.publishedPlans(tx, groupId);
      const decreasesPending = await this.repository.decreasesPending(tx, groupId, this.options.ackTimeoutMs, nowMs);
      // A configured source is behind the group's metering point by definition (reviewed at onboarding).
      const sources = await this.repository.generation(tx, groupId, nowMs - PV_WINDOW_MS);
      const pvCredit = sources.reduce((sum, readings) => sum + pvCreditW(readings, nowMs, nowMs, { behindGroupMeter: true, windowMs: PV_WINDOW_MS }), 0);
      const result = planRound({ nowMs, group, timeline, horizonMs, stations, connectors, previous, published, decreasesPending, pvCreditW: pvCredit, windowCapW, options: this.options });
      await this.repository.saveTargets(tx, groupId, result.targets, nowMs);
      await this.publish(tx, groupId, result, nowMs, horizonMs);
      const infeasible = await this.reportIncident(tx, groupId, group.partnerId, result, nowMs);
      return {
        groupId,
        plannedAt: new Date(nowMs).toISOString(),
        limitW: result.limitW,
        availableW: result.availableW,
        allocatedW: result.allocation.totalW,
        published: result.publications.length,
        deferred: result.deferred.length,
        infeasible,
      };
    });
    stopTimer();
    this.metrics.limit.set({ group: groupId }, summary.limitW);
    this.metrics.allocated.set({ group: groupId }, summary.allocatedW);
    if (summary.published > 0 || summary.deferred > 0) this.logger.info({ ...summary, cause }, 'group planned');
    return summary;
  }

  private async publish(tx: EntityManager, groupId: string, result: RoundResult, nowMs: number, horizonMs: number): Promise<void> {
    if (result.publications.length === 0) return;
    const events: OutboxEvent[] = [];
    for (const p of result.publications) {
      const planId = randomUUID();
      await this.repository.insertPlan(tx, { planId, groupId, stationId: p.stationId, reason: p.reason, direction: p.direction, effectiveFromMs: nowMs, connectors: p.connectors, createdAtMs: nowMs });
      events.push({
        subject: Subjects.PlannerStationLimitsPlanned,
        payload: {
          planId,
          groupId,
          stationId: p.stationId,
          reason: p.reason,
          effectiveFrom: new Date(nowMs).toISOString(),
          validUntil: new Date(horizonMs).toISOString(),
          connectors: p.connectors,
        },
      });
      this.metrics.plans.inc({ reason: p.reason, direction: p.direction });
    }
    await this.outbox.enqueueMany(tx, events);
  }

  /** Publishes `capacity.compliance.failed` once per confirmed incident, and again only when it changes materially. */
  private async reportIncident(tx: EntityManager, groupId: string, partnerId: string | undefined, result: RoundResult, nowMs: number): Promise<boolean> {
    this.metrics.uncontrolled.set({ group: groupId }, result.allocation.uncontrolledW);
    const key = result.infeasible.length === 0 ? undefined : incidentKey(result.infeasible);
    const { state, report } = nextIncident(await this.repository.incident(tx, groupId), key, nowMs, this.incidentConfirmMs);
    if (report) {
      const event: CapacityComplianceFailed = {
        groupId,
        partnerId,
        forecastRequestId: result.infeasible.find((b) => b.source.requestId !== undefined)?.source.requestId,
        message: describeIncident(result.infeasible, result.uncontrolled),
        detectedAt: new Date(nowMs).toISOString(),
        affected: result.infeasible.map((b) => ({
          startTime: new Date(b.startMs).toISOString(),
          endTime: new Date(b.endMs).toISOString(),
          forecastPowerW: b.limitW,
          expectedPowerW: Math.round(b.minimumW),
        })),
      };
      await this.outbox.enqueue(tx, Subjects.CapacityComplianceFailed, event);
      this.metrics.infeasible.inc({ group: groupId });
      this.logger.warn({ groupId, message: event.message }, 'group cannot comply with its limit');
    }
    await this.repository.saveRound(
      tx,
      groupId,
      { limitW: result.limitW, availableW: result.availableW, allocatedW: result.allocation.totalW, uncontrolledW: result.allocation.uncontrolledW, pvCreditW: result.pvCreditW, source: result.source, incident: state },
      nowMs,
    );
    return key !== undefined;
  }
}
