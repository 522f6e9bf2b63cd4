/**
 * The effective-limit timeline of a group:
 * `L(t) = min(contract, plan(t) ?? contract, emergencies at t, fallback while offline, operator caps, physical cap)`.
 */
import { isNewer, type CapacityState, type DayPlan, type IntervalPlan } from './capacity-state.js';
import { taipeiDayOf } from './taipei.js';
import type { GroupCapacityConfig, LimitChange, LimitSegment, LimitSource, LimitSourceKind, OfflinePeriod, TimedBlock } from './types.js';

/** The window a timeline is built for, `[fromMs, toMs)`. */
export interface TimelineWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

// When two sources give the same value, name the one an operator or a compliance error needs:
// the forecast message first (its requestId becomes X-Correlation-ID), static configuration last.
const TIE_RANK: Readonly<Record<LimitSourceKind, number>> = {
  emergency: 0,
  day_ahead_reply: 1,
  day_ahead_assignment: 1,
  day_ahead_late: 1,
  generic: 1,
  fallback: 2,
  operator_cap: 3,
  physical_cap: 4,
  contract: 5,
};

const covers = (b: { startMs: number; endMs?: number }, t: number): boolean => b.startMs <= t && (b.endMs === undefined || t < b.endMs);
const blockAt = (blocks: readonly TimedBlock[], t: number): TimedBlock | undefined => blocks.find((b) => covers(b, t));

function planAt(state: CapacityState, t: number): DayPlan | IntervalPlan | undefined {
  const day = state.dayPlans.get(taipeiDayOf(t));
  let best: DayPlan | IntervalPlan | undefined = day !== undefined && covers(day, t) ? day : undefined;
  for (const plan of state.intervalPlans) {
    if (blockAt(plan.blocks, t) !== undefined && (best === undefined || isNewer(plan, best))) best = plan;
  }
  return best;
}

/** The limit at instant `t` and the source that set it. */
export function limitAt(config: GroupCapacityConfig, state: CapacityState, t: number, offline: readonly OfflinePeriod[] = []): { powerW: number; source: LimitSource } {
  let powerW = config.contractW;
  let source: LimitSource = { kind: 'contract' };
  const offer = (w: number, s: LimitSource): void => {
    if (w < powerW || (w === powerW && TIE_RANK[s.kind] < TIE_RANK[source.kind])) {
      powerW = w;
      source = s;
    }
  };
  if (config.physicalCapW !== undefined) offer(config.physicalCapW, { kind: 'physical_cap' });
  const plan = planAt(state, t);
  // A day plan without a block for this hour (ELMO's null hour) means the contract capacity.
  if (plan !== undefined) offer(blockAt(plan.blocks, t)?.powerW ?? config.contractW, plan.source);
  for (const e of state.emergencies) if (covers(e, t)) offer(e.powerW, { kind: 'emergency', requestId: e.requestId });
  if (config.fallbackApplies && offline.some((p) => covers(p, t))) {
    const block = state.fallback === undefined ? undefined : blockAt(state.fallback.blocks, t);
    if (block !== undefined) offer(block.powerW, { kind: 'fallback', requestId: state.fallback?.requestId });
    else offer(config.fallbackW ?? config.contractW, { kind: 'fallback' });
  }
  for (const cap of state.operatorCaps) if (covers(cap, t)) offer(cap.powerW, { kind: 'operator_cap', requestId: cap.id });
  return { powerW, source };
}

function breakpoints(state: CapacityState, offline: readonly OfflinePeriod[], window: TimelineWindow): number[] {
  const points = new Set<number>([window.fromMs]);
  const add = (b: { startMs: number; endMs?: number }): void => {
    if (b.startMs > window.fromMs && b.startMs < window.toMs) points.add(b.startMs);
    if (b.endMs !== undefined && b.endMs > window.fromMs && b.endMs < window.toMs) points.add(b.endMs);
  };
  for (const plan of state.dayPlans.values()) {
    add(plan);
    plan.blocks.forEach(add);
  }
  for (const plan of state.intervalPlans) plan.blocks.forEach(add);
  state.emergencies.forEach(add);
  state.fallback?.blocks.forEach(add);
  state.operatorCaps.forEach(add);
  offline.forEach(add);
  return [...points].sort((a, b) => a - b);
}

const sameSource = (a: LimitSource, b: LimitSource): boolean => a.kind === b.kind && a.requestId === b.requestId;

/**
 * Builds the timeline for `window`. Every source is constant between its own boundaries, so
 * evaluating `L` once per boundary interval is exact; adjacent equal pieces are merged.
 */
export function buildTimeline(config: GroupCapacityConfig, state: CapacityState, window: TimelineWindow, offline: readonly OfflinePeriod[] = []): LimitTimeline {
  if (!(window.toMs > window.fromMs)) throw new RangeError('timeline window must end after it starts');
  const points = breakpoints(state, offline, window);
  const segments: LimitSegment[] = [];
  points.forEach((startMs, i) => {
    const endMs = points[i + 1] ?? window.toMs;
    const { powerW, source } = limitAt(config, state, startMs, offline);
    const last = segments[segments.length - 1];
    if (last !== undefined && last.powerW === powerW && sameSource(last.source, source)) {
      segments[segments.length - 1] = { ...last, endMs };
    } else {
      segments.push({ startMs, endMs, powerW, source });
    }
  });
  return new LimitTimeline(segments);
}

/** A built timeline: contiguous segments covering its window, in time order. */
export class LimitTimeline {
  constructor(readonly segments: readonly LimitSegment[]) {}

  /** Start of the covered window. */
  get fromMs(): number {
    return this.segments[0]?.startMs ?? 0;
  }

  /** End of the covered window (exclusive). */
  get toMs(): number {
    return this.segments[this.segments.length - 1]?.endMs ?? 0;
  }

  /** The segment containing `t`, or undefined outside the window. */
  at(t: number): LimitSegment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid];
      if (t < s.startMs) hi = mid - 1;
      else if (t >= s.endMs) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /**
   * The coming steps of the limit in `(nowMs, nowMs + horizonMs]` where the power changes.
   * A change of provenance alone is not a step: dispatch has nothing to send for it.
   */
  nextChanges(nowMs: number, horizonMs: number): LimitChange[] {
    const changes: LimitChange[] = [];
    for (let i = 1; i < this.segments.length; i++) {
      const s = this.segments[i];
      if (s.startMs <= nowMs) continue;
      if (s.startMs > nowMs + horizonMs) break;
      const before = this.segments[i - 1];
      if (before.powerW !== s.powerW) {
        changes.push({ atMs: s.startMs, powerW: s.powerW, previousW: before.powerW, source: s.source });
      }
    }
    return changes;
  }

  /** The lowest limit over `[fromMs, toMs)` (e.g. to size offline fallback currents). */
  minimumW(fromMs: number, toMs: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.segments) if (s.endMs > fromMs && s.startMs < toMs) min = Math.min(min, s.powerW);
    return min;
  }
}
