/**
 * Which chargers the round can steer, and how the others are counted. A charger that cannot be
 * reached keeps obeying the Max profile it acknowledged (it has no end), so for a short while it is
 * counted at that plan rather than its full rating: a rolling restart of the ocpp service, where
 * every charger is back on another replica within seconds, must not pause the rest of the group.
 * After the grace period it may have rebooted and lost its profiles: full rating, as any offline one;
 * at once when the ocpp service reports that it booted again (`ocpp.station.booted`).
 */
import type { ConnectorLimit } from '@cpo/contracts';
import type { ChargerSpec, SitePhase } from '../allocation/index.js';
import type { StationModel } from '../topology/group-model.js';
import type { RoundOptions, StationLive } from './round-types.js';
import { limitAt } from './schedules.js';

export const HELD_REASON = 'offline: counted at its acknowledged plan';
export const BOOTED_REASON = 'booted again: its profiles not answered since';

/** An unreachable charger counted at the plan it acknowledged until `untilMs`. */
export interface HeldPlan {
  readonly untilMs: number;
  readonly connectors: readonly ConnectorLimit[];
  /** The Max profile (connector 0): what the whole station may draw. */
  readonly max: ConnectorLimit;
}

export interface StationControl {
  /** Why it cannot be steered now; undefined: it can. */
  readonly reason?: string;
  readonly held?: HeldPlan;
  /** Its published plan predates a boot it was never answered after: send it again in full. */
  readonly resend?: true;
}

type ControlOptions = Pick<RoundOptions, 'ackTimeoutMs' | 'uncontrolledRetryMs' | 'offlineGraceMs'>;

/**
 * Since when the charger cannot be reached, or undefined when it can. An `Offline` failure is the
 * ocpp service finding no socket for it (a replica crashed and the charger has not reconnected yet,
 * as far as the service knows): not a refusal, the charger never saw that plan. A connection after it
 * means the charger is back; the lost plan is then sent again in full, as it is after the retry
 * time without one (the service may not have known of a connection the planner saw). Unreachable
 * since the first `Offline` failure after its acknowledged plan (and its latest connection).
 */
function unreachableSince(live: StationLive, nowMs: number, retryMs: number): number | undefined {
  if (live.connected === false) return live.connectionAtMs ?? Number.NEGATIVE_INFINITY;
  if (live.lastProfileResult !== 'Offline' || live.profileFailures === 0 || live.lastProfileAtMs === undefined) return undefined;
  if (nowMs - live.lastProfileAtMs >= retryMs) return undefined;
  if (live.connectionAtMs !== undefined && live.connectionAtMs > live.lastProfileAtMs) return undefined;
  // From the first failure, not the latest: a retry after `retryMs` that fails `Offline` at once
  // says the charger is still unreachable, not that it was reached a moment ago.
  return Math.min(live.offlineSinceMs ?? live.lastProfileAtMs, live.lastProfileAtMs);
}

/**
 * Whether the charger booted after it last answered its plan in full: a reboot clears its
 * TxProfiles (OCPP 1.6), much firmware every profile, so it may draw its rating, connected or not,
 * until the ocpp service's boot pass has sent them again and every profile of that plan (or of a
 * newer one) is answered after the boot. By the events' times, not their arrival: a boot older than
 * the answers (delivered late) changes nothing. A boot at the instant of the answer counts as after
 * it (the answer to a profile re-sent for a boot always comes later). One that never acknowledged a
 * plan lost none of ours.
 */
export function bootedSinceAnswered(live: StationLive): boolean {
  return live.bootedAtMs !== undefined && live.answeredAtMs !== undefined && live.answeredAtMs <= live.bootedAtMs;
}

/**
 * How the round treats a charger. A charger that refused or ignored a plan is retried after
 * `uncontrolledRetryMs` (its next plan is re-sent in full).
 */
export function stationControl(live: StationLive | undefined, nowMs: number, options: ControlOptions): StationControl {
  if (live === undefined || live.connected === undefined) return { reason: 'never connected' };
  const offlineSince = unreachableSince(live, nowMs, options.uncontrolledRetryMs);
  const booted = bootedSinceAnswered(live);
  if (offlineSince !== undefined) {
    const untilMs = offlineSince + options.offlineGraceMs;
    const max = live.acknowledged?.find((c) => c.connectorId === 0);
    if (live.acknowledged === undefined || max === undefined || booted || nowMs >= untilMs) return { reason: 'offline' };
    return { reason: HELD_REASON, held: { untilMs, connectors: live.acknowledged, max } };
  }
  if (booted) {
    // The planner sends a booted charger nothing of its own: should the ocpp service's boot pass bring
    // no answer (it failed, the charger was Pending, a profile not re-sent), the plan goes again in
    // full after an ack timeout, and one sent since the boot waits its own, then the no-answer rule.
    const sentSince = live.lastPlanAtMs !== undefined && live.lastPlanAtMs > live.bootedAtMs!;
    if (nowMs - (sentSince ? live.lastPlanAtMs! : live.bootedAtMs!) <= options.ackTimeoutMs) return { reason: BOOTED_REASON };
    if (!sentSince) return { resend: true };
  }
  const planAge = live.lastPlanAtMs === undefined ? undefined : nowMs - live.lastPlanAtMs;
  if (live.lastPlanUnanswered && planAge !== undefined && planAge > options.ackTimeoutMs && planAge < options.ackTimeoutMs + options.uncontrolledRetryMs) {
    return { reason: 'no answer to its last plan' };
  }
  if (live.profileFailures > 0 && live.lastProfileResult !== 'Offline' && (live.lastProfileAtMs === undefined || nowMs - live.lastProfileAtMs < options.uncontrolledRetryMs)) {
    // NotObeyed: the charger accepted the profile but reports a higher limit in effect.
    return { reason: live.lastProfileResult === 'NotObeyed' ? 'profile not obeyed' : 'profile rejected' };
  }
  return {};
}

/** Why a station cannot be steered right now, or undefined when it can. */
export function uncontrolledReason(live: StationLive | undefined, nowMs: number, options: ControlOptions): string | undefined {
  return stationControl(live, nowMs, options).reason;
}

/**
 * The chargers as the allocator sees them at instant `t`: a held one is uncontrolled load at its
 * Max profile's value at `t` until its grace ends, at its full rating after.
 */
export function chargersAt(stations: readonly StationModel[], control: ReadonlyMap<string, StationControl>, t: number, phasesOf: (n: 1 | 3) => readonly SitePhase[]): ChargerSpec[] {
  return stations.map((s) => {
    const c = control.get(s.stationId);
    const held = c?.held !== undefined && t < c.held.untilMs ? c.held : undefined;
    return { id: s.stationId, current: 'AC', phases: phasesOf(s.phases), maxCurrentA: held === undefined ? s.maxCurrentA : limitAt(held.max, t), controllable: c?.reason === undefined };
  });
}

/** The instants in `(nowMs, horizonMs)` where a held charger's counted load changes: its plan's steps and the end of its grace. */
export function heldInstants(control: ReadonlyMap<string, StationControl>, nowMs: number, horizonMs: number): number[] {
  const out: number[] = [];
  for (const { held } of control.values()) {
    if (held === undefined) continue;
    const start = Date.parse(held.max.schedule.startSchedule);
    for (const p of held.max.schedule.periods) out.push(start + p.startPeriodS * 1000);
    out.push(held.untilMs);
  }
  return out.filter((t) => t > nowMs && t < horizonMs);
}

/** A key of what the held chargers count at `t`, so equal allocations are computed once. */
export function heldKey(control: ReadonlyMap<string, StationControl>, t: number): string {
  return [...control.entries()].flatMap(([id, c]) => (c.held === undefined ? [] : [`${id}:${t < c.held.untilMs ? limitAt(c.held.max, t) : 'full'}`])).join(',');
}
