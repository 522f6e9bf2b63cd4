import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ADJUST_BLOCK_COUNT, Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, ConflictError, NotFoundError, PeriodicJob, REDIS, ROOT_LOGGER } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CapacityService } from '../capacity/capacity.service.js';
import { CLOCK, type Clock } from '../clock.js';
import { ComplianceRepository } from '../compliance-windows/compliance.repository.js';
import type { PlannerConfig } from '../config.js';
import { DAY_MS, HOUR_MS, nextTaipeiDay, taipeiDayOf, taipeiDayStartMs } from '../timeline/index.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { CapacityRequestRepository } from './capacity-request.repository.js';
import { AdjustDayLock } from './adjust-day-lock.js';
import { adjustPhase, decideAdjust, forecastNeed, type AdjustDecision } from './decision.js';

const CHECK_EVERY_MS = 30_000;
const HISTORY_WEEKS = 8;

/** What a decision run produced. */
export interface AdjustOutcome extends AdjustDecision {
  readonly groupId: string;
  readonly date: string;
  /** False when the day had already been decided: nothing new was recorded or sent. */
  readonly recorded: boolean;
}

/**
 * Once a day between the decision time and the cut-off (Asia/Taipei), forecasts tomorrow's need
 * per group and, where the assignment falls short, publishes one `capacity.adjust.requested`.
 * A Redis lock keeps replicas from working on the same decision and the unique (group, day) row,
 * written with the outbox event in one transaction, makes sure only one is ever sent.
 */
@Injectable()
export class CapacityRequestService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly lock: AdjustDayLock;
  private readonly job = new PeriodicJob(() => this.runDue(), CHECK_EVERY_MS, (err) => this.logger.error({ err }, 'extra-capacity check failed'));

  constructor(
    private readonly repository: CapacityRequestRepository,
    private readonly history: ComplianceRepository,
    private readonly topology: TopologyRepository,
    private readonly capacity: CapacityService,
    private readonly outbox: OutboxWriter,
    @Inject(REDIS) redis: Redis,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.lock = new AdjustDayLock(redis);
  }

  onApplicationBootstrap(): void {
    // Also right away: a service started after the decision time but before the cut-off decides at once.
    this.job.start({ runNow: true });
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** Decides for every group not decided yet, if today's window is open. */
  async runDue(): Promise<void> {
    const nowMs = this.clock.now();
    if (adjustPhase(nowMs, this.config.PLANNER_ADJUST_AT, this.config.PLANNER_ADJUST_CUTOFF) !== 'open') return;
    const day = nextTaipeiDay(taipeiDayOf(nowMs));
    for (const groupId of await this.topology.groupIds()) {
      if (await this.repository.decided(groupId, day)) continue;
      await this.decide(groupId, 'planner').catch((err: Error) => {
        // Another replica holding the lock is the normal case with several replicas, not a failure.
        if (err instanceof ConflictError) this.logger.debug({ groupId, day }, err.message);
        else this.logger.error({ err, groupId, day }, 'extra-capacity decision failed; retried on the next check');
      });
    }
  }

  /** Decides tomorrow for one group now (the daily job, or an operator before the cut-off). */
  async decide(groupId: string, requestedBy: 'planner' | 'operator'): Promise<AdjustOutcome> {
    const nowMs = this.clock.now();
    if (adjustPhase(nowMs, this.config.PLANNER_ADJUST_AT, this.config.PLANNER_ADJUST_CUTOFF) === 'closed') {
      throw new ConflictError(`the cut-off (${this.config.PLANNER_ADJUST_CUTOFF} Asia/Taipei) has passed: tomorrow can no longer be requested`);
    }
    const group = await this.topology.model(groupId);
    if (!group) throw new NotFoundError(`group ${groupId} not found`);
    const day = nextTaipeiDay(taipeiDayOf(nowMs));
    const token = randomUUID();
    if (!(await this.lock.acquire(groupId, day, token))) {
      throw new ConflictError(`the decision for ${groupId} on ${day} is being made right now`);
    }
    try {
      const dayStartMs = taipeiDayStartMs(day);
      const { state } = await this.capacity.capacity(group, nowMs);
      const plan = state.dayPlans.get(day);
      const assignedW = Array.from({ length: ADJUST_BLOCK_COUNT }, (_, h) => plan?.blocks.find((b) => b.startMs <= dayStartMs + h * HOUR_MS && dayStartMs + h * HOUR_MS < b.endMs)?.powerW ?? group.contractW);
      const historyRows = await this.history.hourlyDemand(groupId, dayStartMs - HISTORY_WEEKS * 7 * DAY_MS);
      const need = forecastNeed(historyRows, dayStartMs, { margin: group.safetyMargin, percentile: this.config.PLANNER_DEMAND_PERCENTILE, weeks: HISTORY_WEEKS });
      const decision: AdjustDecision = plan === undefined ? { request: false, hours: [], reason: `no day-ahead assignment for ${day}: the contract capacity applies and cannot be exceeded` } : decideAdjust(need, assignedW, group.contractW);
      const recorded = await this.repository.transaction(async (tx) => {
        const inserted = await this.repository.insert(tx, { groupId, day, atMs: nowMs, requested: decision.request, requestedBy, decision });
        if (inserted && decision.request && decision.requestedKw) {
          await this.outbox.enqueue(tx, Subjects.CapacityAdjustRequested, {
            groupId,
            partnerId: group.partnerId,
            date: day,
            requestedBy,
            reason: decision.reason,
            blocks: decision.requestedKw.map((kw, h) => ({
              startTime: new Date(dayStartMs + h * HOUR_MS).toISOString(),
              endTime: new Date(dayStartMs + (h + 1) * HOUR_MS).toISOString(),
              powerW: kw * 1000,
            })),
          });
        }
        return inserted;
      });
      if (recorded) this.logger.info({ groupId, day, request: decision.request, reason: decision.reason, requestedBy }, 'extra-capacity decision');
      return { ...decision, groupId, date: day, recorded };
    } finally {
      await this.lock.release(groupId, day, token);
    }
  }

  async list(groupId: string) {
    if (!(await this.topology.model(groupId))) throw new NotFoundError(`group ${groupId} not found`);
    return this.repository.list(groupId, 60);
  }
}
