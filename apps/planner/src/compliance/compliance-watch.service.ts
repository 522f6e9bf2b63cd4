import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, MetricsService, NotFoundError, ROOT_LOGGER } from '@cpo/platform';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { CapacityService } from '../capacity/capacity.service.js';
import { CLOCK, type Clock } from '../clock.js';
import { windowStartOf } from '../compliance-windows/windows.js';
import type { PlannerConfig } from '../config.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { ComplianceWatchRepository } from './compliance-watch.repository.js';
import { BREACH_DECAY_MS, BREACH_HOLD_MS, adaptiveMargin, meterAgeMs } from './margin.js';
import { readingAt, windowBudget, type WindowBudget, type WindowStatus } from './window-budget.js';

const STATUSES: readonly WindowStatus[] = ['ok', 'at_risk', 'breached', 'unknown'];

/** The window in progress of one group, as the operator API and the metrics show it. */
export interface WindowWatch extends WindowBudget {
  readonly groupId: string;
  readonly nowMs: number;
  readonly powerNowW: number;
  readonly meterAgeMs?: number;
  /** The configured margin and the one in force after recent breaches (guide §4). */
  readonly baseMargin: number;
  readonly margin: number;
}

/**
 * Watches the compliance window in progress: energy used so far (from the group register the
 * compliance sampler records), the projection to the window's end at the present power, and the
 * adaptive margin. Exported for the planning loop, which may cap `A` to `headroomW` when a window
 * is at risk; every sample period the figures are published as gauges per group.
 */
@Injectable()
export class ComplianceWatchService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly windowMs: number;
  private readonly toleranceMs: number;
  private readonly gauges: Record<'used' | 'projected' | 'budget' | 'headroom' | 'meterAge' | 'margin' | 'status', Gauge>;

  constructor(
    private readonly repository: ComplianceWatchRepository,
    private readonly topology: TopologyRepository,
    private readonly capacity: CapacityService,
    metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.windowMs = config.PLANNER_COMPLIANCE_WINDOW_MIN * 60_000;
    // Same tolerance as the sampler's judge: a reading half a sample period off the edge still counts.
    this.toleranceMs = config.PLANNER_METER_SAMPLE_MS / 2 + 1000;
    const registers = [metrics.registry];
    const gauge = (name: string, help: string, labelNames = ['group']) => new Gauge({ name, help, labelNames, registers });
    this.gauges = {
      used: gauge('planner_compliance_window_used_wh', 'Energy the group used so far in the compliance window in progress (Wh)'),
      projected: gauge('planner_compliance_window_projected_wh', 'Energy the group will have used at the end of the window at its present power (Wh)'),
      budget: gauge('planner_compliance_window_budget_wh', 'What the window allows minus the margin, (1 − m)·∫L dt (Wh)'),
      headroom: gauge('planner_compliance_window_headroom_watts', 'Average power the group may still draw until the window ends and stay within the budget (W)'),
      meterAge: gauge('planner_group_meter_age_seconds', 'Age of the oldest energy register among the group sessions (s)'),
      margin: gauge('planner_group_margin_ratio', 'Safety margin in force: the configured one, raised after a breached window'),
      status: gauge('planner_compliance_window_status', 'The window in progress: 1 for its present status, 0 for the others', ['group', 'status']),
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.refreshAll().finally(() => (this.running = undefined));
    }, this.config.PLANNER_METER_SAMPLE_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Recomputes every group's window and publishes it as gauges. */
  async refreshAll(): Promise<void> {
    for (const groupId of await this.topology.groupIds()) {
      try {
        this.publish(await this.status(groupId));
      } catch (err) {
        this.logger.warn({ err, groupId }, 'live compliance window not computed; the next sample retries');
      }
    }
  }

  /** The compliance window in progress of `groupId`. */
  async status(groupId: string): Promise<WindowWatch> {
    const group = await this.topology.model(groupId);
    if (!group) throw new NotFoundError(`group ${groupId} not found`);
    const nowMs = this.clock.now();
    const startMs = windowStartOf(nowMs, this.windowMs);
    const endMs = startMs + this.windowMs;
    const [segments, readings, connectors, lastBreach] = await Promise.all([
      this.capacity.timeline(groupId, startMs, endMs),
      this.repository.readings(groupId, startMs - this.toleranceMs, nowMs),
      this.repository.connectors(groupId),
      this.repository.lastBreachEnd(groupId, nowMs - BREACH_HOLD_MS - BREACH_DECAY_MS),
    ]);
    const margin = adaptiveMargin(group.safetyMargin, lastBreach, nowMs);
    const powerNowW = connectors.reduce((sum, c) => sum + c.powerW, 0);
    const age = meterAgeMs(connectors, nowMs);
    const budget = windowBudget({
      nowMs,
      startMs,
      endMs,
      segments,
      margin,
      startReading: readingAt(readings, startMs, this.toleranceMs),
      latestReading: readings.at(-1),
      powerNowW,
      meterAgeMs: age,
      staleAfterMs: this.config.PLANNER_METER_STALE_S * 1000,
    });
    return { ...budget, groupId, nowMs, powerNowW, meterAgeMs: age, baseMargin: group.safetyMargin, margin };
  }

  private publish(w: WindowWatch): void {
    const group = { group: w.groupId };
    const set = (g: Gauge, value: number | undefined) => (value === undefined || !Number.isFinite(value) ? g.remove(group) : g.set(group, value));
    set(this.gauges.used, w.usedWh);
    set(this.gauges.projected, w.projectedWh);
    set(this.gauges.budget, w.budgetWh);
    set(this.gauges.headroom, w.headroomW);
    set(this.gauges.meterAge, w.meterAgeMs === undefined ? undefined : w.meterAgeMs / 1000);
    set(this.gauges.margin, w.margin);
    for (const status of STATUSES) this.gauges.status.set({ group: w.groupId, status }, status === w.status ? 1 : 0);
    if (w.status === 'at_risk' || w.status === 'breached') this.logger.warn({ groupId: w.groupId, status: w.status, reason: w.reason }, 'compliance window in progress');
  }
}
