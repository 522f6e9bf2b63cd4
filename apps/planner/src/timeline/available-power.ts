/**
 * Power available to EVs: `A(t) = (1 − m)·L(t) − U(t) + PV_c(t)`, and the conservative solar
 * credit `PV_c`. `U` here is the load the allocator does not model as connectors (non-EV site
 * load on a site-metered group, non-smart chargers); uncontrolled *connectors* are counted by the
 * allocator itself, which also charges them against phase fuses and charger ratings.
 */
import type { LimitSegment, LimitSource } from './types.js';

/** One inverter reading from the REMS ingest (AC output at an instant). */
export interface PvReading {
  readonly atMs: number;
  readonly acPowerW: number;
  /** Any fault bit set: the reading is not trusted. */
  readonly fault: boolean;
}

/** Rules for the solar credit (planner guide §6). */
export interface PvCreditConfig {
  /**
   * PV feeds in behind the metering point of the group limit *and* the group measurement is the
   * net import there. Otherwise PV never raises `A` (reviewed at onboarding).
   */
  readonly behindGroupMeter: boolean;
  /** The credit is the minimum output over this window (default 5 min). */
  readonly windowMs?: number;
  /** A newest reading older than this gives no credit (default 2 min). */
  readonly staleAfterMs?: number;
  /** Output must have been observed for at least this long before it counts (default 2 min). */
  readonly stableForMs?: number;
  /** Derating of the minimum output (default 0.1 = 10 %). */
  readonly derate?: number;
}

/**
 * The conservative PV credit in W for the period starting at `periodStartMs`, seen at `nowMs`.
 * Zero for future periods (no forecast is trusted for limits), stale or faulty data, or too short a
 * history: raising slowly and dropping at once is the asymmetry the guide asks for.
 */
export function pvCreditW(readings: readonly PvReading[], nowMs: number, periodStartMs: number, config: PvCreditConfig): number {
  if (!config.behindGroupMeter || periodStartMs > nowMs) return 0;
  const windowMs = config.windowMs ?? 300_000;
  const staleAfterMs = config.staleAfterMs ?? 120_000;
  const stableForMs = config.stableForMs ?? 120_000;
  const derate = config.derate ?? 0.1;
  const recent = readings.filter((r) => r.atMs <= nowMs && r.atMs >= nowMs - windowMs);
  if (recent.length === 0) return 0;
  let newest = recent[0];
  let oldest = recent[0];
  let min = Number.POSITIVE_INFINITY;
  for (const r of recent) {
    if (r.fault) return 0;
    if (r.atMs > newest.atMs) newest = r;
    if (r.atMs < oldest.atMs) oldest = r;
    min = Math.min(min, r.acPowerW);
  }
  if (nowMs - newest.atMs > staleAfterMs || nowMs - oldest.atMs < stableForMs) return 0;
  return Math.max(0, min * (1 - derate));
}

/** Inputs of `A(t)` other than the limit itself. */
export interface AvailabilityInputs {
  /** Safety margin `m` as a fraction (0.03–0.05 plus meter accuracy). */
  readonly marginFraction: number;
  /** Uncontrolled load not modelled as connectors, in W. */
  readonly uncontrolledW: number;
  /** Solar credit in W for the current period (see {@link pvCreditW}). */
  readonly pvCreditW: number;
}

/**
 * `A = (1 − m)·L − U + PV_c`. May be negative: that is an infeasible period, which the allocator
 * reports rather than this function hiding it.
 */
export function availablePowerW(limitW: number, inputs: AvailabilityInputs): number {
  return (1 - inputs.marginFraction) * limitW - inputs.uncontrolledW + inputs.pvCreditW;
}

/** A period of power available to EVs, with the limit and source behind it. */
export interface AvailableSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly availableW: number;
  readonly limitW: number;
  readonly source: LimitSource;
}

/**
 * `A(t)` from `nowMs` on. The PV credit applies to the current period only: future periods get
 * zero, so schedules pre-loaded into chargers never count on sunshine.
 */
export function availableSegments(segments: readonly LimitSegment[], nowMs: number, inputs: AvailabilityInputs): AvailableSegment[] {
  const out: AvailableSegment[] = [];
  for (const s of segments) {
    if (s.endMs <= nowMs) continue;
    const current = s.startMs <= nowMs;
    const availableW = availablePowerW(s.powerW, { ...inputs, pvCreditW: current ? inputs.pvCreditW : 0 });
    out.push({ startMs: Math.max(s.startMs, nowMs), endMs: s.endMs, availableW, limitW: s.powerW, source: s.source });
  }
  return out;
}
