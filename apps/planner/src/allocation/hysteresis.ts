/**
 * Hysteresis near the minimum current, as a pure state machine: a connector is paused when its
 * share falls below the minimum, and resumes only after the headroom has stayed at least
 * `min + δ` for a while and the minimum dwell times have passed. Rapid toggling around 6 A
 * faults some vehicles (OpenEVSE #684), and re-planning every second would otherwise flap.
 */

/** Thresholds and dwell times (planner guide §3.4). */
export interface HysteresisConfig {
  /** Minimum current per phase, A. */
  readonly minA: number;
  /** Extra headroom required to resume, A (default 1 A per phase). */
  readonly deltaA?: number;
  /** How long the headroom must hold before resuming (default 60 s). */
  readonly resumeAfterMs?: number;
  /** Minimum time charging before a voluntary pause (default 2 min). */
  readonly minChargingMs?: number;
  /** Minimum time paused before resuming (default 2 min). */
  readonly minPausedMs?: number;
}

/** Where a connector stands. */
export type HysteresisState =
  | { readonly mode: 'charging'; readonly sinceMs: number }
  | { readonly mode: 'paused'; readonly sinceMs: number; readonly headroomOkSinceMs?: number };

/** One observation: what the connector could get now, at `nowMs` (the injected clock). */
export interface HysteresisInput {
  readonly nowMs: number;
  /** The share the connector would get if it charged (e.g. from a trial allocation), A per phase. */
  readonly headroomA: number;
  /** A voluntary pause (e.g. rotating pauses in a persistent shortage); honours the dwell time. */
  readonly wantPause?: boolean;
}

/** The machine's answer. */
export interface HysteresisDecision {
  readonly state: HysteresisState;
  /** Whether the connector may be offered to the allocator for admission. */
  readonly allowCharging: boolean;
  /** The mode changed on this step. */
  readonly changed: boolean;
  /**
   * Paused inside the minimum charging dwell: the limit left no choice. Capacity always wins over
   * comfort, so this is reported, not prevented.
   */
  readonly forced: boolean;
}

/** The state of a connector first seen at `nowMs`. */
export function initialHysteresis(nowMs: number, charging: boolean): HysteresisState {
  return charging ? { mode: 'charging', sinceMs: nowMs } : { mode: 'paused', sinceMs: nowMs };
}

/** Advances the machine by one observation. Pure: the clock is the input's `nowMs`. */
export function stepHysteresis(state: HysteresisState, input: HysteresisInput, config: HysteresisConfig): HysteresisDecision {
  const { nowMs, headroomA } = input;
  const deltaA = config.deltaA ?? 1;
  const resumeAfterMs = config.resumeAfterMs ?? 60_000;
  const minChargingMs = config.minChargingMs ?? 120_000;
  const minPausedMs = config.minPausedMs ?? 120_000;
  if (state.mode === 'charging') {
    const dwelt = nowMs - state.sinceMs >= minChargingMs;
    if (headroomA < config.minA) {
      return { state: { mode: 'paused', sinceMs: nowMs }, allowCharging: false, changed: true, forced: !dwelt };
    }
    if (input.wantPause === true && dwelt) {
      return { state: { mode: 'paused', sinceMs: nowMs }, allowCharging: false, changed: true, forced: false };
    }
    return { state, allowCharging: true, changed: false, forced: false };
  }
  const ok = headroomA >= config.minA + deltaA;
  const headroomOkSinceMs = ok ? (state.headroomOkSinceMs ?? nowMs) : undefined;
  const resume = ok && input.wantPause !== true && nowMs - (headroomOkSinceMs ?? nowMs) >= resumeAfterMs && nowMs - state.sinceMs >= minPausedMs;
  if (resume) return { state: { mode: 'charging', sinceMs: nowMs }, allowCharging: true, changed: true, forced: false };
  return { state: { mode: 'paused', sinceMs: state.sinceMs, headroomOkSinceMs }, allowCharging: false, changed: false, forced: false };
}

/**
 * Keeps the machines of many connectors with an injected clock, so the service (and tests with a
 * fake clock) never call `Date.now()` here.
 */
export class HysteresisTracker {
  private readonly states = new Map<string, HysteresisState>();

  constructor(
    private readonly config: HysteresisConfig,
    private readonly clock: () => number,
  ) {}

  /** Observes one connector; an unknown connector starts in the given mode (charging by default). */
  observe(id: string, headroomA: number, options: { wantPause?: boolean; startCharging?: boolean } = {}): HysteresisDecision {
    const now = this.clock();
    const state = this.states.get(id) ?? initialHysteresis(now, options.startCharging ?? true);
    const decision = stepHysteresis(state, { nowMs: now, headroomA, wantPause: options.wantPause }, this.config);
    this.states.set(id, decision.state);
    return decision;
  }

  /** The current state of a connector, if known. */
  stateOf(id: string): HysteresisState | undefined {
    return this.states.get(id);
  }

  /** Forgets a connector (session ended). */
  forget(id: string): void {
    this.states.delete(id);
  }
}
