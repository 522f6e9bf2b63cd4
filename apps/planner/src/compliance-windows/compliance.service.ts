import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, MetricsService, NotFoundError, PeriodicJob, ROOT_LOGGER } from '@cpo/platform';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { CapacityService } from '../capacity/capacity.service.js';
import { CLOCK, type Clock } from '../clock.js';
import type { PlannerConfig } from '../config.js';
import { unconstrainedDemandW } from '../capacity-request/decision.js';
import { DAY_MS, HOUR_MS, taipeiDayStartMs } from '../timeline/index.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { ComplianceRepository } from './compliance.repository.js';
import { meterAgeMs } from '../compliance/margin.js';
import { judgeWindow, registerDelta, windowStartOf } from './windows.js';

/** At most this many windows are judged per sample (a long outage is caught up over a few minutes). */
const MAX_WINDOWS_PER_SAMPLE = 96;

/**
 * Samples every group's register (the sum of its connectors' energy registers, never going
 * backwards) and its unconstrained demand each minute, and judges each completed window against
 * the energy the effective limit allowed in it.
 */
@Injectable()
export class ComplianceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob;
  private readonly windowMs: number;
  private readonly sampleMs: number;
  private readonly staleAfterMs: number;
  private readonly measured: Gauge;
  private readonly verdicts: Counter;

  constructor(
    private readonly repository: ComplianceRepository,
    private readonly topology: TopologyRepository,
    private readonly capacity: CapacityService,
    metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.windowMs = config.PLANNER_COMPLIANCE_WINDOW_MIN * 60_000;
    this.sampleMs = config.PLANNER_METER_SAMPLE_MS;
    this.job = new PeriodicJob(() => this.sampleAll(), this.sampleMs, (err) => this.logger.error({ err }, 'compliance sampling failed'));
    this.staleAfterMs = config.PLANNER_METER_STALE_S * 1000;
    const registers = [metrics.registry];
    this.measured = new Gauge({ name: 'planner_group_measured_power_watts', help: 'Measured power of the group (sum of its connectors), W', labelNames: ['group'], registers });
    this.verdicts = new Counter({ name: 'planner_compliance_windows_total', help: 'Compliance windows judged, by result (compliant, breached, unknown)', labelNames: ['group', 'result'], registers });
  }

  onApplicationBootstrap(): void {
    this.job.start({ runNow: false });
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  async sampleAll(): Promise<void> {
    for (const groupId of await this.topology.groupIds()) {
      await this.sampleGroup(groupId).catch((err: Error) => this.logger.error({ err, groupId }, 'compliance sample failed; the next one retries'));
    }
  }

  /** Takes the group's reading for the current sample slot (once across replicas) and judges completed windows. */
  async sampleGroup(groupId: string): Promise<void> {
    const group = await this.topology.model(groupId);
    if (!group) return;
    const nowMs = this.clock.now();
    const atMs = Math.floor(nowMs / this.sampleMs) * this.sampleMs;
    const judgeFrom = await this.repository.transaction(async (tx) => {
      await this.repository.lockGroup(tx, groupId);
      if (await this.repository.hasReading(tx, groupId, new Date(atMs))) return undefined;
      const rows = await this.repository.connectors(tx, groupId, group.nominalVoltageV);
      let added = 0;
      let powerW = 0;
      for (const r of rows) {
        // Seen more than two samples ago: outside the group meanwhile (or a new connector), a new baseline.
        if (r.energyWh !== undefined) added += registerDelta(r.seenWh, r.energyWh, { seenAtMs: r.seenAtMs, nowMs: atMs, maxGapMs: 2 * this.sampleMs });
        if (r.sessionActive) powerW += r.powerW ?? 0;
      }
      const demandW = unconstrainedDemandW(rows.map((r) => ({ sessionActive: r.sessionActive, status: r.allocationStatus, measuredW: r.powerW, allowedW: r.allowedW, maxW: r.maxW })));
      const last = await this.repository.lastReading(tx, groupId);
      await this.repository.saveSeen(tx, rows.flatMap((r) => (r.energyWh === undefined ? [] : [{ stationId: r.stationId, connectorId: r.connectorId, energyWh: r.energyWh }])), new Date(atMs));
      const meterAge = meterAgeMs(rows, nowMs);
      await this.repository.insertReading(tx, groupId, new Date(atMs), { energyWh: (last?.energyWh ?? 0) + added, powerW, demandW, meterAgeMs: meterAge });
      await this.repository.addDemand(tx, groupId, new Date(Math.floor(atMs / HOUR_MS) * HOUR_MS), demandW);
      this.measured.set({ group: groupId }, powerW);
      return this.repository.judgingState(tx, groupId);
    });
    if (judgeFrom) await this.judge(groupId, group.safetyMargin, atMs, judgeFrom);
  }

  private async judge(groupId: string, margin: number, atMs: number, state: { firstReadingMs?: number; lastJudgedEndMs?: number }): Promise<void> {
    if (state.firstReadingMs === undefined) return;
    // The first window is the first one entirely after the first reading.
    let start = state.lastJudgedEndMs ?? windowStartOf(state.firstReadingMs, this.windowMs) + (state.firstReadingMs % this.windowMs === 0 ? 0 : this.windowMs);
    const tolerance = this.sampleMs / 2 + 1000;
    for (let n = 0; n < MAX_WINDOWS_PER_SAMPLE && start + this.windowMs <= atMs; n++, start += this.windowMs) {
      const end = start + this.windowMs;
      const segments = await this.capacity.timeline(groupId, start, end);
      const readings = await this.repository.readings(groupId, start - tolerance, end + tolerance);
      const verdict = judgeWindow(readings, segments, start, end, tolerance, this.staleAfterMs);
      const sources = [...new Map(segments.map((s) => [`${s.source.kind}:${s.source.requestId ?? ''}`, s.source])).values()];
      await this.repository.transaction((tx) => this.repository.saveWindow(tx, groupId, verdict, margin, sources, atMs));
      this.verdicts.inc({ group: groupId, result: verdict.compliant === undefined ? 'unknown' : verdict.compliant ? 'compliant' : 'breached' });
      if (verdict.compliant === false) this.logger.warn({ groupId, start: new Date(start).toISOString(), measuredWh: verdict.measuredWh, allowedWh: verdict.allowedWh }, 'compliance window breached');
    }
  }

  /** The windows of one Taipei day with totals. */
  async report(groupId: string, day: string) {
    if (!(await this.topology.model(groupId))) throw new NotFoundError(`group ${groupId} not found`);
    const from = taipeiDayStartMs(day);
    const rows = await this.repository.windows(groupId, from, from + DAY_MS);
    const windows = rows.map((w) => {
      const minutes = (Number(new Date(w['end'] as string)) - Number(new Date(w['start'] as string))) / 60_000;
      const allowedWh = Number(w['allowedWh']);
      const measuredWh = w['measuredWh'] === null ? null : Number(w['measuredWh']);
      return {
        start: w['start'],
        end: w['end'],
        limitKw: round3(allowedWh / 1000 / (minutes / 60)),
        allowedKwh: round3(allowedWh / 1000),
        measuredKwh: measuredWh === null ? null : round3(measuredWh / 1000),
        averageKw: measuredWh === null ? null : round3(measuredWh / 1000 / (minutes / 60)),
        compliant: w['compliant'],
        margin: w['margin'],
        sources: w['sources'],
      };
    });
    const evaluated = windows.filter((w) => w.compliant !== null);
    return {
      groupId,
      date: day,
      windowMinutes: this.windowMs / 60_000,
      totals: {
        windows: windows.length,
        evaluated: evaluated.length,
        breaches: evaluated.filter((w) => w.compliant === false).length,
        allowedKwh: round3(windows.reduce((s, w) => s + w.allowedKwh, 0)),
        measuredKwh: round3(evaluated.reduce((s, w) => s + (w.measuredKwh ?? 0), 0)),
      },
      windows,
    };
  }
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

