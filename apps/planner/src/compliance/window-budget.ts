/**
 * The live energy budget of the compliance window in progress (guide §4 "window budget"), pure.
 *
 * The judged windows (compliance-windows/) say afterwards whether a window was kept; this says
 * while it runs whether it will be: energy used so far from the group register, the projection
 * `E_used + P_now · t_remaining`, and the budget `(1 − m) · ∫ L dt`. The average power the group
 * may still draw for the rest of the window (`headroomW`) is what a planner would cap `A` to once
 * the projection leaves the budget.
 */
import { allowedWh } from '../compliance-windows/windows.js';
import type { LimitSegment } from '../timeline/index.js';

const HOUR_MS = 3_600_000;

/** A reading of the group register (cumulative Wh, never decreasing). */
export interface RegisterReading {
  readonly atMs: number;
  readonly energyWh: number;
}

export interface WindowBudgetInput {
  readonly nowMs: number;
  /** The window in progress, `[startMs, endMs)`, containing `nowMs`. */
  readonly startMs: number;
  readonly endMs: number;
  /** The effective limit over the window (it may step inside it). */
  readonly segments: readonly LimitSegment[];
  /** The margin the planner keeps below the limit (0–1). */
  readonly margin: number;
  /** The register reading taken at the window's start (within the sampling tolerance); absent if none. */
  readonly startReading?: RegisterReading;
  /** The newest register reading at or before now. */
  readonly latestReading?: RegisterReading;
  /** The group's measured power now (W). */
  readonly powerNowW: number;
  /** How old the oldest energy register of a session is (ms); undefined when nothing charges. */
  readonly meterAgeMs?: number;
  readonly staleAfterMs: number;
}

/**
 * - `ok`: the projection stays within the budget;
 * - `at_risk`: at the present power the window ends above `(1 − m)` of what the limit allows;
 * - `breached`: more energy was already used than the whole window allows;
 * - `unknown`: no register reading at the window's start, or a session's meter is stale — never
 *   reported as `ok`, for the same reason a window without readings is never judged compliant.
 */
export type WindowStatus = 'ok' | 'at_risk' | 'breached' | 'unknown';

export interface WindowBudget {
  readonly startMs: number;
  readonly endMs: number;
  readonly limitNowW: number | undefined;
  /** ∫ L dt over the whole window and up to now, Wh. */
  readonly allowedWh: number;
  readonly allowedSoFarWh: number;
  /** `(1 − m) · allowedWh`: what the planner aims to stay under. */
  readonly budgetWh: number;
  readonly usedWh?: number;
  readonly projectedWh?: number;
  /** Average power the group may still draw until the window ends and stay within the budget (W, ≥ 0). */
  readonly headroomW?: number;
  readonly status: WindowStatus;
  readonly reason: string;
}

/** The budget of the window in progress; see {@link WindowStatus} for how it is classified. */
export function windowBudget(i: WindowBudgetInput): WindowBudget {
  const allowed = allowedWh(i.segments, i.startMs, i.endMs);
  const base = {
    startMs: i.startMs,
    endMs: i.endMs,
    limitNowW: i.segments.find((s) => s.startMs <= i.nowMs && i.nowMs < s.endMs)?.powerW,
    allowedWh: allowed,
    allowedSoFarWh: allowedWh(i.segments, i.startMs, Math.min(i.nowMs, i.endMs)),
    budgetWh: (1 - i.margin) * allowed,
  };
  if (i.meterAgeMs !== undefined && i.meterAgeMs > i.staleAfterMs) {
    return { ...base, status: 'unknown', reason: `a charging session's energy register is ${Math.round(i.meterAgeMs / 1000)} s old (stale after ${i.staleAfterMs / 1000} s)` };
  }
  if (i.startReading === undefined) return { ...base, status: 'unknown', reason: 'no group register reading at the start of the window' };
  const latest = i.latestReading !== undefined && i.latestReading.atMs >= i.startReading.atMs ? i.latestReading : i.startReading;
  // The group register never decreases; a negative difference could only come from bad input.
  const used = Math.max(0, latest.energyWh - i.startReading.energyWh);
  const remainingMs = Math.max(0, i.endMs - Math.max(latest.atMs, i.startMs));
  const projected = used + (Math.max(0, i.powerNowW) * remainingMs) / HOUR_MS;
  const headroomW = remainingMs > 0 ? Math.max(0, ((base.budgetWh - used) * HOUR_MS) / remainingMs) : undefined;
  const measured = { usedWh: used, projectedWh: projected, headroomW };
  if (used > allowed + 1e-6) {
    return { ...base, ...measured, status: 'breached', reason: `${kwh(used)} kWh used, more than the ${kwh(allowed)} kWh the limit allows in the whole window` };
  }
  if (projected > base.budgetWh + 1e-6) {
    return { ...base, ...measured, status: 'at_risk', reason: `at ${kw(i.powerNowW)} kW the window ends at ${kwh(projected)} kWh, above the budget of ${kwh(base.budgetWh)} kWh` };
  }
  return { ...base, ...measured, status: 'ok', reason: `projected ${kwh(projected)} kWh within the budget of ${kwh(base.budgetWh)} kWh` };
}

/**
 * The reading to measure the window from: the one nearest `startMs` within `toleranceMs`. A
 * reading further away would mix energy of the previous window into this one.
 */
export function readingAt(readings: readonly RegisterReading[], atMs: number, toleranceMs: number): RegisterReading | undefined {
  let best: RegisterReading | undefined;
  for (const r of readings) {
    const distance = Math.abs(r.atMs - atMs);
    if (distance <= toleranceMs && (best === undefined || distance < Math.abs(best.atMs - atMs))) best = r;
  }
  return best;
}

const kwh = (wh: number): string => (wh / 1000).toFixed(2);
const kw = (w: number): string => (w / 1000).toFixed(1);
