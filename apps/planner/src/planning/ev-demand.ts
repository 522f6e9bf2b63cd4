/**
 * Reclaiming what an EV does not draw. Many sessions take far less than their share: an EV whose
 * on-board charger is smaller than the station, a full battery still plugged in, a car that waits
 * for its own timer. Left at its share, that power is lost to everyone else on the group.
 *
 * Rule (pure, per connector): when the EV's measured current stays more than `marginA` below the
 * limit in effect for at least `settleMs` (two meter readings at least), its limit is capped at the
 * most it drew in that time plus `marginA`, never below the session's minimum. The cap lifts by
 * itself: an EV that wants more reaches `cap − marginA`, which counts as using its limit, and the
 * next round gives it its full share again (ramped like any increase).
 *
 * Only currents measured per phase are trusted (`Current.Import`): power alone cannot tell a
 * one-phase EV on a three-phase station from a slow three-phase one, and capping the first by its
 * power would starve it. A reading of (almost) no power is the exception: nothing drawn is nothing
 * on every phase.
 */

/** What we learned of an EV drawing less than it may: since which reading, and the most it drew since. */
export interface EvUnderuse {
  readonly sinceMs: number;
  readonly peakA: number;
}

/** The EV's latest measured current (the highest phase), with the reading's time. */
export interface EvSample {
  readonly currentA: number;
  readonly atMs: number;
}

export interface EvDemandOptions {
  /** How far below its limit an EV must stay to count as not using it, and the headroom it keeps (A). */
  readonly marginA: number;
  /** How long the under-use must last before the limit is capped. */
  readonly settleMs: number;
  /** A reading older than this says nothing about the EV now. */
  readonly staleMs: number;
}

export const DEFAULT_EV_DEMAND: EvDemandOptions = { marginA: 2, settleMs: 120_000, staleMs: 300_000 };

export interface EvDemandInput {
  readonly nowMs: number;
  readonly sample?: EvSample;
  /** The limit in effect for a charging session (A); undefined when the session is not charging. */
  readonly limitA?: number;
  readonly sessionStartedMs?: number;
  readonly minimumA: number;
}

/** The next under-use state, and the cap (A) the allocation must respect, if any. */
export function stepEvDemand(state: EvUnderuse | undefined, input: EvDemandInput, options: EvDemandOptions = DEFAULT_EV_DEMAND): { state?: EvUnderuse; capA?: number } {
  const { sample, limitA, sessionStartedMs } = input;
  if (limitA === undefined || sample === undefined || input.nowMs - sample.atMs > options.staleMs) return {};
  // Readings and state from before this session describe another car.
  if (sessionStartedMs !== undefined && sample.atMs < sessionStartedMs) return {};
  const current = state !== undefined && (sessionStartedMs === undefined || state.sinceMs >= sessionStartedMs) ? state : undefined;
  if (sample.currentA >= limitA - options.marginA) return {};
  const next: EvUnderuse = current === undefined ? { sinceMs: sample.atMs, peakA: sample.currentA } : { sinceMs: current.sinceMs, peakA: Math.max(current.peakA, sample.currentA) };
  if (sample.atMs - next.sinceMs < options.settleMs) return { state: next };
  // Whole amps above the peak: a slowly rising draw then moves the cap in steps, not in a stream of tiny plans.
  return { state: next, capA: Math.max(input.minimumA, Math.ceil(next.peakA - 1e-9) + options.marginA) };
}
