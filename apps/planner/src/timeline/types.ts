/**
 * Types of the per-group effective-limit timeline. Instants are epoch milliseconds (UTC); powers
 * are watts for the whole group.
 */

/**
 * What set a limit:
 * - `contract`: the contract capacity (also "nothing received", which ELMO treats the same way);
 * - `day_ahead_assignment` / `day_ahead_reply`: a day plan for a Taipei day;
 * - `day_ahead_late`: a day plan received on the day it applies to (not expected from ELMO);
 * - `generic`: plain intervals of a generic OSCP partner;
 * - `emergency`: an overlay for its interval only;
 * - `fallback`: limits applied while the capacity provider is offline (generic partners only);
 * - `operator_cap`: a manual cap from an operator;
 * - `physical_cap`: a static transformer or main-breaker limit.
 */
export type LimitSourceKind =
  | 'contract'
  | 'day_ahead_assignment'
  | 'day_ahead_reply'
  | 'day_ahead_late'
  | 'generic'
  | 'emergency'
  | 'fallback'
  | 'operator_cap'
  | 'physical_cap';

/** Provenance of a limit: its kind and the message (OSCP `X-Request-ID`) or cap id it came from. */
export interface LimitSource {
  readonly kind: LimitSourceKind;
  /** The forecast's `requestId` or the operator cap's id; absent for contract and physical caps. */
  readonly requestId?: string;
}

/** One piece of a piecewise-constant timeline: the limit is `powerW` during `[startMs, endMs)`. */
export interface LimitSegment {
  readonly startMs: number;
  readonly endMs: number;
  /** Group limit in W, ≥ 0; 0 means "no charging", not "no data". */
  readonly powerW: number;
  readonly source: LimitSource;
}

/** A coming step of the limit, for pre-loading profile schedules and timing decreases. */
export interface LimitChange {
  readonly atMs: number;
  /** The limit from `atMs` on. */
  readonly powerW: number;
  /** The limit just before `atMs`. */
  readonly previousW: number;
  readonly source: LimitSource;
}

/** Static capacity configuration of a group. */
export interface GroupCapacityConfig {
  /** Contract capacity in W: the ceiling of every other source. */
  readonly contractW: number;
  /** Static transformer / main-breaker limit in W, if lower than the contract matters. */
  readonly physicalCapW?: number;
  /**
   * Whether OSCP fallback applies while the provider is offline. False for ELMO (it has no
   * heartbeat and never sends fallback forecasts); true for generic partners.
   */
  readonly fallbackApplies: boolean;
  /** Fallback capacity in W when offline and no fallback block covers the instant; default the contract. */
  readonly fallbackW?: number;
}

/** An interval with a constant value, in epoch ms. */
export interface TimedBlock {
  readonly startMs: number;
  readonly endMs: number;
  readonly powerW: number;
}

/** An operator cap: lowers the limit to `powerW` during `[startMs, endMs)` (open-ended if no end). */
export interface OperatorCap {
  readonly id: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly powerW: number;
}

/** A period in which the capacity provider is offline (open-ended while still offline). */
export interface OfflinePeriod {
  readonly startMs: number;
  readonly endMs?: number;
}
