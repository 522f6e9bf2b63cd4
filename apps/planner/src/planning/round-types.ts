/**
 * Inputs and outputs of one planning round of a group. The round itself ({@link planRound}) is
 * pure: the service loads these from the database and the bus state, and stores the result.
 */
import type { ConnectorLimit, StationLimitReason } from '@cpo/contracts';
import type { AllocationResult } from '../allocation/index.js';
import type { HysteresisState } from '../allocation/index.js';
import type { LimitSource, LimitTimeline } from '../timeline/index.js';
import type { GroupModel } from '../topology/group-model.js';
import type { EvDemandOptions, EvUnderuse } from './ev-demand.js';

/** What the planner knows about a charger's link and its obedience. */
export interface StationLive {
  readonly stationId: string;
  /** Undefined: never seen on the bus. */
  readonly connected?: boolean;
  /** When the latest connection event (`connected` or `disconnected`) happened. */
  readonly connectionAtMs?: number;
  /**
   * The connector limits of the latest plan the charger acknowledged in full, when no later plan
   * may have reached it (every later one failed `Offline`): what it obeys while it cannot be reached.
   */
  readonly acknowledged?: readonly ConnectorLimit[];
  /**
   * The newest instant at which the charger had answered every profile of its latest acknowledged
   * plan or of a newer one (applied or refused, not `Offline`): it knew our limits then. Undefined:
   * it never acknowledged a plan.
   */
  readonly answeredAtMs?: number;
  /** Its newest boot (`ocpp.station.booted`): it may have lost its profiles then. */
  readonly bootedAtMs?: number;
  /**
   * When the first `Offline` failure of a plan later than `acknowledged` happened (since the latest
   * connection): the charger has not been reached since, however often a retry failed again.
   */
  readonly offlineSinceMs?: number;
  readonly profileFailures: number;
  readonly lastProfileAtMs?: number;
  /** The latest `ocpp.charging-profile.*` outcome: `Accepted` or the failure status (`Rejected`, `NotObeyed`, ...). */
  readonly lastProfileResult?: string;
  /** When the station's latest plan was published, and whether some of its profiles are still unanswered. */
  readonly lastPlanAtMs?: number;
  readonly lastPlanUnanswered: boolean;
}

/** A connector's live state from OCPP events. */
export interface ConnectorLive {
  readonly stationId: string;
  readonly connectorId: number;
  readonly status?: string;
  readonly transactionId?: number;
  readonly sessionStartedMs?: number;
  readonly powerW?: number;
  /** The EV's latest measured current (highest phase, A) and when it was read; see ev-demand.ts. */
  readonly currentA?: number;
  readonly currentAtMs?: number;
}

/** What the previous round decided for a connector. */
export interface PreviousTarget {
  readonly status: string;
  readonly unit: 'A' | 'W';
  /** The limit in effect (published), in `unit`. */
  readonly limit: number;
  readonly plannedAtMs: number;
  readonly hysteresis?: HysteresisState;
  readonly evUnderuse?: EvUnderuse;
}

/** The last plan published for a station, as it was sent. */
export interface PublishedPlan {
  readonly planId: string;
  readonly createdAtMs: number;
  readonly connectors: readonly ConnectorLimit[];
  /** Some connector profile of it was refused or failed. */
  readonly failed: boolean;
  /** Some connector profile of it has no outcome yet. */
  readonly unanswered: boolean;
}

/** Tunables of a round (defaults from the planner guide). */
export interface RoundOptions {
  /** A plan without an outcome after this long counts as ignored (the charger is silent). */
  readonly ackTimeoutMs: number;
  /** A charger that refused profiles is retried as controllable after this long. */
  readonly uncontrolledRetryMs: number;
  /**
   * A charger offline (or not reachable by the ocpp service) for less than this is counted at the
   * plan it acknowledged: its Max profile has no end, so it keeps obeying it without a link.
   */
  readonly offlineGraceMs: number;
  readonly rampPerSecond: number;
  readonly hysteresis: { readonly deltaA: number; readonly resumeAfterMs: number; readonly minChargingMs: number; readonly minPausedMs: number };
  /** Increases smaller than this (A, or the fraction of the current value) are not sent. */
  readonly deadbandA: number;
  readonly deadbandFraction: number;
  /** When an EV that draws less than its limit is capped near what it draws; undefined: never. */
  readonly evDemand?: EvDemandOptions;
}

export interface RoundInput {
  readonly nowMs: number;
  readonly group: GroupModel;
  /** The effective limit from `nowMs` to at least `horizonMs`. */
  readonly timeline: LimitTimeline;
  readonly horizonMs: number;
  readonly stations: ReadonlyMap<string, StationLive>;
  readonly connectors: ReadonlyMap<string, ConnectorLive>;
  readonly previous: ReadonlyMap<string, PreviousTarget>;
  readonly published: ReadonlyMap<string, PublishedPlan>;
  /**
   * What the group may still draw on average until the compliance window in progress ends (W),
   * when that window is at risk: the power available now is capped to it (guide §4).
   */
  readonly windowCapW?: number;
  /** Conservative on-site generation credit for now, W (0 without configured sources or fresh readings). */
  readonly pvCreditW: number;
  /** Decreases of this group sent but not yet acknowledged: increases wait for them. */
  readonly decreasesPending: boolean;
  readonly options: RoundOptions;
}

/** Why a connector got what it got, for operators. */
export type TargetStatus = 'idle' | 'charging' | 'paused' | 'uncontrolled';

export interface ConnectorTarget {
  readonly stationId: string;
  readonly connectorId: number;
  readonly status: TargetStatus;
  /** e.g. `fair share`, `no capacity`, `hysteresis`, `ramping`, `offline`, `profile rejected`. */
  readonly reason: string;
  readonly unit: 'A' | 'W';
  /** The limit now in effect after this round (published or kept), in `unit`. */
  readonly limit: number;
  readonly numberPhases: number;
  readonly powerW: number;
  readonly hysteresis?: HysteresisState;
  /** The EV has drawn less than its limit since…: kept for the next round. */
  readonly evUnderuse?: EvUnderuse;
}

/** A station whose schedule changed and is to be published now. */
export interface StationPublication {
  readonly stationId: string;
  readonly reason: StationLimitReason;
  readonly direction: 'decrease' | 'increase';
  readonly connectors: ConnectorLimit[];
}

/** An interval the group cannot hold even with every controllable session paused. */
export interface InfeasibleBlock {
  readonly startMs: number;
  readonly endMs: number;
  readonly limitW: number;
  readonly minimumW: number;
  readonly source: LimitSource;
}

export interface RoundResult {
  readonly limitW: number;
  readonly availableW: number;
  readonly pvCreditW: number;
  readonly source: LimitSource;
  readonly allocation: AllocationResult;
  readonly targets: readonly ConnectorTarget[];
  readonly publications: readonly StationPublication[];
  /** Stations whose increase waits for pending decreases. */
  readonly deferred: readonly string[];
  readonly infeasible: readonly InfeasibleBlock[];
  /** Uncontrolled stations and why. */
  readonly uncontrolled: ReadonlyMap<string, string>;
}
