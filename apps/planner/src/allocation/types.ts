/**
 * Input and output types of the allocator. AC quantities are amperes **per phase**, DC quantities
 * watts; the group total is watts. Site phases are the phases after each charger's wiring
 * rotation, so a connector's phases say which site fuses it loads.
 */

/** A phase of the site supply. */
export type SitePhase = 'L1' | 'L2' | 'L3';

/** The three site phases, in a fixed order (determinism). */
export const SITE_PHASES: readonly SitePhase[] = ['L1', 'L2', 'L3'];

/** A charger (charge point) of the group. */
export interface ChargerSpec {
  readonly id: string;
  /** `AC` chargers take limits in A per phase, `DC` chargers in W. */
  readonly current: 'AC' | 'DC';
  /** Site phases the charger is wired to; a DC charger draws evenly from all of them. */
  readonly phases: readonly SitePhase[];
  /** Per-phase current rating shared by its connectors (AC). */
  readonly maxCurrentA?: number;
  /** Power rating shared by its connectors (AC or DC). */
  readonly maxPowerW?: number;
  /**
   * False when the charger is offline, rejected profiles or stays silent: it is then counted at its
   * full rating as uncontrolled load and its connectors get no allocation.
   */
  readonly controllable: boolean;
  /** The charger accepts whole amperes only (quirk flag). */
  readonly integerAmpsOnly?: boolean;
  /** Limit granularity in A for AC (default 0.1: OCPP 1.6 `multipleOf 0.1`). */
  readonly stepA?: number;
  /** Limit granularity in W for DC (default 100 W). */
  readonly stepW?: number;
}

/**
 * The upper bounds of a connector in its charger's unit; the effective maximum is the smallest
 * one given (`rating` is also what an uncontrolled connector is counted at).
 */
export interface ConnectorMaxima {
  readonly rating: number;
  readonly cable?: number;
  /** What the EV was observed to draw at most, or declared. */
  readonly ev?: number;
  /** A share imposed from outside (e.g. a fail-safe share of the charger). */
  readonly share?: number;
}

/** A connector with a session that wants power. Idle connectors are not passed in. */
export interface ConnectorDemand {
  /** Unique in the group, e.g. `${stationId}/${connectorId}`. */
  readonly id: string;
  readonly chargerId: string;
  /** AC: the site phases the EV draws on (1 or 3). DC: ignored, the charger's phases apply. */
  readonly phases: readonly SitePhase[];
  /** Lowest useful limit in the charger's unit; default 6 A (IEC 61851) or the DC default. */
  readonly minimum?: number;
  readonly maxima: ConnectorMaxima;
  /** Priority class; higher is served first. */
  readonly priority: number;
  /** Session start (epoch ms): earlier arrivals are admitted first within a class. */
  readonly arrivalMs: number;
  /** Already charging: kept ahead of newcomers of the same class, which prevents preemption flapping. */
  readonly charging: boolean;
}

/** Tunables with defaults from the planner guide. */
export interface AllocationOptions {
  /** Default AC minimum current per phase (6 A). */
  readonly defaultMinA?: number;
  /** Default DC minimum power (1 000 W). */
  readonly defaultMinW?: number;
  /** Default AC step (0.1 A). */
  readonly defaultStepA?: number;
  /** Default DC step (100 W). */
  readonly defaultStepW?: number;
}

/** One allocation problem: a group at one instant. */
export interface AllocationInput {
  /** Phase-to-neutral voltage (Taiwan LV: 220 V); `P = V·I·phases`, power factor ≈ 1. */
  readonly nominalVoltageV: number;
  /** Power available to EVs `A(t)` in W (see the timeline's `availablePowerW`); may be negative. */
  readonly availableW: number;
  /** Site fuse per phase in A; a missing phase is unconstrained. */
  readonly phaseLimitA?: Partial<Readonly<Record<SitePhase, number>>>;
  readonly chargers: readonly ChargerSpec[];
  readonly connectors: readonly ConnectorDemand[];
  readonly options?: AllocationOptions;
}

/** Why a connector got what it got. */
export type AllocationStatus = 'charging' | 'paused' | 'uncontrolled';

/** Why a connector is paused. */
export type PauseReason = 'no_capacity' | 'max_below_min';

/** The allocation of one connector. */
export interface ConnectorAllocation {
  readonly id: string;
  readonly chargerId: string;
  readonly status: AllocationStatus;
  readonly pauseReason?: PauseReason;
  /** `A` per phase for AC, `W` for DC. */
  readonly unit: 'A' | 'W';
  /** The limit to send, on the charger's step grid; 0 when paused; the rating when uncontrolled. */
  readonly limit: number;
  /** Phases the limit assumes (OCPP `numberPhases`). */
  readonly numberPhases: number;
  /** Power in W the limit allows (for uncontrolled connectors: what they are counted at). */
  readonly powerW: number;
}

/** What one charger draws at most under the allocation (its fail-safe share). */
export interface ChargerTotal {
  readonly chargerId: string;
  readonly controllable: boolean;
  readonly powerW: number;
  readonly phaseA: Readonly<Record<SitePhase, number>>;
}

/** The load on one constraint after allocation. */
export interface ConstraintUsage {
  /** `group`, `phase:L1`, `charger:<id>:L2`, `charger:<id>:W`. */
  readonly id: string;
  readonly unit: 'W' | 'A';
  /** The constraint's limit, before subtracting uncontrolled load. */
  readonly capacity: number;
  /** Uncontrolled load on it. */
  readonly uncontrolled: number;
  /** Uncontrolled plus allocated load. */
  readonly used: number;
}

/** The outcome of {@link allocate}. */
export interface AllocationResult {
  /** Every connector demand, sorted by id. */
  readonly connectors: readonly ConnectorAllocation[];
  /** Every charger, sorted by id. */
  readonly chargers: readonly ChargerTotal[];
  readonly constraints: readonly ConstraintUsage[];
  /** Allocated plus uncontrolled power, W. */
  readonly totalW: number;
  readonly uncontrolledW: number;
  /** Not every session fits at its minimum, or uncontrolled load alone breaks a constraint. */
  readonly infeasible: boolean;
  /** Group power in W missing to run every session at its minimum (0 when none is missing). */
  readonly shortfallW: number;
  /**
   * Uncontrolled load alone exceeds a constraint: pausing cannot help, so this is the case for
   * escalation and `capacity.compliance.failed`.
   */
  readonly overloaded: boolean;
}
