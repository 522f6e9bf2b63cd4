import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { MetricsService, NotFoundError, PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from '../clock.js';
import { DAY_MS, taipeiDayOf, taipeiDayStartMs } from '../timeline/index.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { AdjustRepository, type PendingRequest } from './adjust.repository.js';
import { adjustOutcome, hourlyKw, pickReply, replyDeadlineMs, requestedDayOf } from './outcome.js';

/** Replies arrive by 16:00 Asia/Taipei; looking once a minute is plenty. */
const CHECK_EVERY_MS = 60_000;

/**
 * Compares each request sent with the provider's reply once it arrives (stored by the capacity
 * consumer in `capacity_forecasts`), or with the assignment once no reply can come any more, and
 * keeps the granted/requested ratio per group and day (guide §5: calibrate future requests).
 * Every replica may run it: the outcome row is written once, and a late reply replaces only a
 * "no reply" outcome.
 */
@Injectable()
export class AdjustOutcomeService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job = new PeriodicJob(() => this.recordOutcomes(), CHECK_EVERY_MS, (err) => this.logger.error({ err }, 'recording adjust outcomes failed'));
  private readonly ratio: Gauge;
  private readonly extraRatio: Gauge;
  private readonly recorded: Counter;

  constructor(
    private readonly repository: AdjustRepository,
    private readonly topology: TopologyRepository,
    metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    const registers = [metrics.registry];
    this.ratio = new Gauge({ name: 'planner_adjust_granted_ratio', help: 'Energy granted / requested for the group in its last extra-capacity request', labelNames: ['group'], registers });
    this.extraRatio = new Gauge({
      name: 'planner_adjust_extra_granted_ratio',
      help: 'Share of the extra over the assignment that was granted in the last request',
      labelNames: ['group'],
      registers,
    });
    this.recorded = new Counter({ name: 'planner_adjust_outcomes_total', help: 'Extra-capacity request outcomes recorded, by kind (replied, no_reply)', labelNames: ['group', 'kind'], registers });
  }

  onApplicationBootstrap(): void {
    this.job.start({ runNow: true });
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  /** Records every outcome that became known; returns how many were written. */
  async recordOutcomes(): Promise<number> {
    let written = 0;
    try {
      const nowMs = this.clock.now();
      // Yesterday's day still gets a late reply recorded; older requests are final.
      for (const request of await this.repository.pending(taipeiDayOf(nowMs - DAY_MS))) {
        if (await this.recordOne(request, nowMs)) written++;
      }
      for (const o of await this.repository.latestOutcomes()) {
        this.ratio.set({ group: o.groupId }, o.ratio);
        if (o.extraRatio === null) this.extraRatio.remove({ group: o.groupId });
        else this.extraRatio.set({ group: o.groupId }, o.extraRatio);
      }
    } catch (err) {
      this.logger.error({ err }, 'extra-capacity outcomes not recorded; retried on the next check');
    }
    return written;
  }

  private async recordOne(request: PendingRequest, nowMs: number): Promise<boolean> {
    const requested = requestedDayOf(request.decision);
    if (!requested) {
      this.logger.warn({ groupId: request.groupId, day: request.day }, 'stored extra-capacity request has no readable hourly values; outcome skipped');
      return false;
    }
    const dayStartMs = taipeiDayStartMs(request.day);
    const reply = pickReply(await this.repository.replies(request.groupId, dayStartMs, dayStartMs + 2 * DAY_MS), request.day);
    if (!reply && (request.outcomeKind === 'no_reply' || nowMs < replyDeadlineMs(request.day))) return false;
    const outcome = adjustOutcome(requested, reply ? hourlyKw(request.day, reply.blocks, request.contractW) : undefined);
    const saved = await this.repository.saveOutcome({ groupId: request.groupId, day: request.day, reply, outcome, atMs: nowMs });
    if (saved) {
      this.recorded.inc({ group: request.groupId, kind: outcome.kind });
      this.logger.info({ groupId: request.groupId, day: request.day, kind: outcome.kind, ratio: outcome.ratio, extraRatio: outcome.extraRatio }, 'extra-capacity request outcome');
    }
    return saved;
  }

  async outcomes(groupId: string) {
    if (!(await this.topology.model(groupId))) throw new NotFoundError(`group ${groupId} not found`);
    return this.repository.outcomes(groupId, 60);
  }
}
