/**
 * The capacity sources a group has received, as an immutable value. `applyForecast` is a pure
 * reducer over `capacity.forecast.received` events, so the service can rebuild the state from the
 * stream (or its table) and tests need no bus.
 */
import type { CapacityForecastReceived } from '@cpo/contracts';
import { DAY_MS, taipeiDayOf, taipeiDayStartMs } from './taipei.js';
import type { LimitSource, OperatorCap, TimedBlock } from './types.js';

/** A plan for one Taipei day: replaces the whole day, hours without a block mean the contract. */
export interface DayPlan {
  readonly day: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The day's blocks, clipped to the day, in time order. */
  readonly blocks: readonly TimedBlock[];
  readonly source: LimitSource;
  readonly receivedAtMs: number;
  /** Application order, the last tie-breaker between plans received at the same instant. */
  readonly order: number;
}

/** Plain intervals from a generic partner; a newer message wins where it has blocks. */
export interface IntervalPlan {
  readonly blocks: readonly TimedBlock[];
  readonly source: LimitSource;
  readonly receivedAtMs: number;
  readonly order: number;
}

/** An emergency overlay block. */
export interface EmergencyOverlay extends TimedBlock {
  readonly requestId: string;
}

/** The last fallback forecast (OSCP applies the *last* fallback blocks while offline). */
export interface FallbackPlan {
  readonly blocks: readonly TimedBlock[];
  readonly requestId: string;
  readonly receivedAtMs: number;
}

/** Everything the timeline of one group is built from, except static configuration. */
export interface CapacityState {
  readonly dayPlans: ReadonlyMap<string, DayPlan>;
  readonly intervalPlans: readonly IntervalPlan[];
  readonly emergencies: readonly EmergencyOverlay[];
  readonly fallback?: FallbackPlan;
  readonly operatorCaps: readonly OperatorCap[];
  /** Number of forecasts applied so far (orders plans received at the same instant). */
  readonly applied: number;
}

/** The state of a group that has received nothing: its limit is the contract capacity. */
export function emptyCapacityState(): CapacityState {
  return { dayPlans: new Map(), intervalPlans: [], emergencies: [], operatorCaps: [], applied: 0 };
}

const toBlocks = (forecast: CapacityForecastReceived): TimedBlock[] =>
  forecast.blocks
    .map((b) => ({ startMs: Date.parse(b.startTime), endMs: Date.parse(b.endTime), powerW: b.powerW }))
    .filter((b) => b.endMs > b.startMs)
    .sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);

// A reply answers our request for the same day, so it wins a tie in receivedAt with the assignment.
const KIND_RANK: Readonly<Record<string, number>> = { day_ahead_assignment: 0, day_ahead_late: 0, day_ahead_reply: 1 };

/** Whether plan `a` supersedes plan `b` (later reception, then reply over assignment, then order). */
export function isNewer(a: Pick<DayPlan, 'receivedAtMs' | 'source' | 'order'>, b: Pick<DayPlan, 'receivedAtMs' | 'source' | 'order'>): boolean {
  if (a.receivedAtMs !== b.receivedAtMs) return a.receivedAtMs > b.receivedAtMs;
  const rank = (KIND_RANK[a.source.kind] ?? 0) - (KIND_RANK[b.source.kind] ?? 0);
  return rank !== 0 ? rank > 0 : a.order > b.order;
}

function alreadyApplied(state: CapacityState, requestId: string): boolean {
  for (const plan of state.dayPlans.values()) if (plan.source.requestId === requestId) return true;
  return (
    state.intervalPlans.some((p) => p.source.requestId === requestId) ||
    state.emergencies.some((e) => e.requestId === requestId) ||
    state.fallback?.requestId === requestId
  );
}

function applyDayAhead(state: CapacityState, forecast: CapacityForecastReceived, blocks: TimedBlock[], receivedAtMs: number): CapacityState {
  const byDay = new Map<string, TimedBlock[]>();
  for (const block of blocks) {
    // A block is placed on the Taipei day of its start; ELMO's shape check guarantees one day.
    const day = taipeiDayOf(block.startMs);
    const dayEnd = taipeiDayStartMs(day) + DAY_MS;
    const list = byDay.get(day) ?? [];
    list.push({ ...block, endMs: Math.min(block.endMs, dayEnd) });
    byDay.set(day, list);
  }
  const dayPlans = new Map(state.dayPlans);
  const today = taipeiDayOf(receivedAtMs);
  for (const [day, dayBlocks] of byDay) {
    const kind = day <= today ? 'day_ahead_late' : forecast.kind === 'day_ahead_reply' ? 'day_ahead_reply' : 'day_ahead_assignment';
    const startMs = taipeiDayStartMs(day);
    const plan: DayPlan = { day, startMs, endMs: startMs + DAY_MS, blocks: dayBlocks, source: { kind, requestId: forecast.requestId }, receivedAtMs, order: state.applied };
    const current = dayPlans.get(day);
    if (current === undefined || isNewer(plan, current)) dayPlans.set(day, plan);
  }
  return { ...state, dayPlans, applied: state.applied + 1 };
}

/**
 * Applies one accepted forecast. Idempotent per `requestId`, because JetStream may redeliver.
 * Only consumption limits constrain us: `GENERATION` and `OPTIMUM` forecasts leave the state as is.
 */
export function applyForecast(state: CapacityState, forecast: CapacityForecastReceived): CapacityState {
  if (alreadyApplied(state, forecast.requestId)) return state;
  const isFallback = forecast.kind === 'fallback' || forecast.forecastType === 'FALLBACK';
  if (!isFallback && forecast.forecastType !== 'CONSUMPTION') return state;
  const blocks = toBlocks(forecast);
  if (blocks.length === 0) return state;
  const receivedAtMs = Date.parse(forecast.receivedAt);
  const requestId = forecast.requestId;
  if (isFallback) {
    return { ...state, fallback: { blocks, requestId, receivedAtMs }, applied: state.applied + 1 };
  }
  switch (forecast.kind) {
    case 'day_ahead_assignment':
    case 'day_ahead_reply':
      return applyDayAhead(state, forecast, blocks, receivedAtMs);
    case 'emergency':
      return { ...state, emergencies: [...state.emergencies, ...blocks.map((b) => ({ ...b, requestId }))], applied: state.applied + 1 };
    default: {
      const plan: IntervalPlan = { blocks, source: { kind: 'generic', requestId }, receivedAtMs, order: state.applied };
      return { ...state, intervalPlans: [...state.intervalPlans, plan], applied: state.applied + 1 };
    }
  }
}

/** Adds or replaces (same id) an operator cap. */
export function setOperatorCap(state: CapacityState, cap: OperatorCap): CapacityState {
  return { ...state, operatorCaps: [...state.operatorCaps.filter((c) => c.id !== cap.id), cap] };
}

/** Removes an operator cap. */
export function removeOperatorCap(state: CapacityState, id: string): CapacityState {
  return { ...state, operatorCaps: state.operatorCaps.filter((c) => c.id !== id) };
}

/**
 * Drops everything that ended at or before `beforeMs`, so a long-running service keeps a bounded
 * state. The fallback plan is kept: it is "the last one received", whatever its blocks' times.
 */
export function pruneCapacityState(state: CapacityState, beforeMs: number): CapacityState {
  const dayPlans = new Map([...state.dayPlans].filter(([, p]) => p.endMs > beforeMs));
  return {
    ...state,
    dayPlans,
    intervalPlans: state.intervalPlans.filter((p) => p.blocks.some((b) => b.endMs > beforeMs)),
    emergencies: state.emergencies.filter((e) => e.endMs > beforeMs),
    operatorCaps: state.operatorCaps.filter((c) => c.endMs === undefined || c.endMs > beforeMs),
  };
}
