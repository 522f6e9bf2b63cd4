import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, ConflictError, NotFoundError, REDIS, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CapacityService } from '../capacity/capacity.service.js';
import { CLOCK, type Clock } from '../clock.js';
import type { PlannerConfig } from '../config.js';
import { nextTaipeiDay, taipeiDayOf } from '../timeline/index.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { AdjustRepository } from './adjust.repository.js';
import { adjustBlocks, beforeCutoff, manualBlockErrors, manualDecision } from './manual.js';
import { hourlyKw } from './outcome.js';
import { AdjustDayLock } from '../capacity-request/adjust-day-lock.js';

/** How long a replica may hold the day's decision before another may take over (it dies mid-way). */

/**
 * An operator's call waits this long for the lock instead of failing at once: the daily decision
 * holding it takes milliseconds, and after it the answer is definite (sent, or already sent).
 */
const LOCK_WAIT_MS = 5_000;


/** What a forced request did. */
export interface ForcedRequest {
  readonly groupId: string;
  readonly date: string;
  readonly requestedBy: 'operator';
  /** True when it replaced the daily job's "no request" decision for the day. */
  readonly replacedDecision: boolean;
  readonly decision: ReturnType<typeof manualDecision>;
}

/**
 * Tomorrow's extra-capacity request forced by an operator with explicit hourly values. It takes
 * the same Redis lock as the daily job (capacity-request/) and records the day in the same unique
 * row, in the same transaction as the outbox event, so between the job, operators and replicas
 * at most one request per group and day ever leaves — ELMO accepts only one.
 */
@Injectable()
export class AdjustService {
  private readonly lock: AdjustDayLock;

  constructor(
    private readonly repository: AdjustRepository,
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

  async force(groupId: string, blocksKw: readonly number[], reason: string | undefined): Promise<ForcedRequest> {
    const nowMs = this.clock.now();
    const group = await this.topology.model(groupId);
    if (!group) throw new NotFoundError(`group ${groupId} not found`);
    const errors = manualBlockErrors(blocksKw, group.contractW);
    if (Object.keys(errors).length > 0) throw new ValidationError('invalid hourly values', errors);
    if (!beforeCutoff(nowMs, this.config.PLANNER_ADJUST_CUTOFF)) {
      throw new ConflictError(`the cut-off (${this.config.PLANNER_ADJUST_CUTOFF} Asia/Taipei) has passed: tomorrow can no longer be requested`);
    }
    const day = nextTaipeiDay(taipeiDayOf(nowMs));
    // The daily job's lock: whoever holds it is deciding this group's day right now.
    const token = randomUUID();
    if (!(await this.lock.acquire(groupId, day, token, LOCK_WAIT_MS))) {
      throw new ConflictError(`the request for ${groupId} on ${day} is being decided right now; look at GET .../adjust-requests`);
    }
    try {
      const { state } = await this.capacity.capacity(group, nowMs);
      // No assignment for tomorrow: the contract capacity applies in every hour.
      const assignedW = hourlyKw(day, state.dayPlans.get(day)?.blocks ?? [], group.contractW).map((kw) => kw * 1000);
      const decision = manualDecision(blocksKw, assignedW, reason ?? 'requested by an operator');
      const claimed = await this.repository.transaction(async (tx) => {
        const claim = await this.repository.claimRequest(tx, { groupId, day, atMs: nowMs, requestedBy: 'operator', decision });
        if (claim === undefined) return undefined;
        await this.outbox.enqueue(tx, Subjects.CapacityAdjustRequested, {
          groupId,
          ...(group.partnerId === undefined ? {} : { partnerId: group.partnerId }),
          date: day,
          requestedBy: 'operator',
          reason: decision.reason,
          blocks: adjustBlocks(day, blocksKw),
        });
        return claim;
      });
      if (claimed === undefined) {
        const existing = await this.repository.decision(groupId, day);
        throw new ConflictError(
          `a request for ${groupId} on ${day} was already sent` +
            (existing ? ` (by the ${existing.requestedBy} at ${existing.decidedAt.toISOString()})` : '') +
            ': the capacity provider accepts one per day',
        );
      }
      this.logger.info({ groupId, day, blocksKw, replaced: claimed === 'replaced' }, 'extra-capacity request forced by an operator');
      return { groupId, date: day, requestedBy: 'operator', replacedDecision: claimed === 'replaced', decision };
    } finally {
      await this.lock.release(groupId, day, token).catch((err: Error) => this.logger.warn({ err, groupId, day }, 'adjust lock not released; it expires by itself'));
    }
  }
}
