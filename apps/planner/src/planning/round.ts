/**
 * One planning round of a group, pure: the effective limit and the sessions in, each connector's
 * target and the station schedules to publish out. The schedules carry every known step of the
 * limit (hour boundaries, emergencies) so chargers switch by themselves exactly on time, and each
 * station's Max profile is the sum of its connectors (the fail-safe share).
 */
import {
  allocate,
  initialHysteresis,
  rampGroup,
  stepHysteresis,
  type AllocationResult,
  type ChargerSpec,
  type ConnectorDemand,
  type HysteresisDecision,
  type HysteresisState,
  type RampItem,
  type SitePhase,
} from '../allocation/index.js';
import { availablePowerW } from '../timeline/index.js';
import type { StationModel } from '../topology/group-model.js';
import type { ConnectorTarget, RoundInput, RoundOptions, RoundResult, StationLive } from './round-types.js';
import { buildPublications, type StepValues } from './schedules.js';
import { infeasibleBlocks } from './infeasible.js';
import { stepEvDemand, type EvUnderuse } from './ev-demand.js';
import { resumeTrial } from './resume-trial.js';

const THREE: readonly SitePhase[] = ['L1', 'L2', 'L3'];
const phasesOf = (n: 1 | 3): readonly SitePhase[] => (n === 1 ? ['L1'] : THREE);
export const connectorKey = (stationId: string, connectorId: number): string => `${stationId}/${connectorId}`;

/**
 * Why a station cannot be steered right now, or undefined when it can. A charger that refused or
 * ignored a plan is retried after `uncontrolledRetryMs` (its next plan is re-sent in full).
 */
export function uncontrolledReason(live: StationLive | undefined, nowMs: number, options: Pick<RoundOptions, 'ackTimeoutMs' | 'uncontrolledRetryMs'>): string | undefined {
  if (live === undefined || live.connected === undefined) return 'never connected';
  if (!live.connected) return 'offline';
  const planAge = live.lastPlanAtMs === undefined ? undefined : nowMs - live.lastPlanAtMs;
  if (live.lastPlanUnanswered && planAge !== undefined && planAge > options.ackTimeoutMs && planAge < options.ackTimeoutMs + options.uncontrolledRetryMs) {
    return 'no answer to its last plan';
  }
  if (live.profileFailures > 0 && (live.lastProfileAtMs === undefined || nowMs - live.lastProfileAtMs < options.uncontrolledRetryMs)) {
    // NotObeyed: the charger accepted the profile but reports a higher limit in effect.
    return live.lastProfileResult === 'NotObeyed' ? 'profile not obeyed' : 'profile rejected';
  }
  return undefined;
}

export function planRound(input: RoundInput): RoundResult {
  const { nowMs, group, timeline, options } = input;
  const current = timeline.at(nowMs);
  if (current === undefined) throw new RangeError('the timeline does not cover now');
  const availableAt = (limitW: number): number => availablePowerW(limitW, { marginFraction: group.safetyMargin, uncontrolledW: 0, pvCreditW: 0 });

  const uncontrolled = new Map<string, string>();
  const chargers: ChargerSpec[] = group.stations.map((s) => {
    const why = uncontrolledReason(input.stations.get(s.stationId), nowMs, options);
    if (why !== undefined) uncontrolled.set(s.stationId, why);
    return { id: s.stationId, current: 'AC', phases: phasesOf(s.phases), maxCurrentA: s.maxCurrentA, controllable: why === undefined };
  });
  const evDemand = new Map<string, { state?: EvUnderuse; capA?: number }>();
  const demands = sessionDemands(input, evDemand);
  const base = { nominalVoltageV: group.nominalVoltageV, chargers };
  // Solar credit only for now: no generation forecast is trusted for future limits.
  const plainW = availablePowerW(current.powerW, { marginFraction: group.safetyMargin, uncontrolledW: 0, pvCreditW: input.pvCreditW });
  const availableW = input.windowCapW === undefined ? plainW : Math.min(plainW, input.windowCapW);

  // Hysteresis: what each session would get in the trial decides who may charge at all.
  const stateOf = (d: ConnectorDemand): HysteresisState => input.previous.get(d.id)?.hysteresis ?? initialHysteresis(nowMs, true);
  const trial = resumeTrial(
    { ...base, availableW },
    demands,
    (d) => !uncontrolled.has(d.chargerId) && stateOf(d).mode === 'paused',
    (d) => (d.minimum ?? 6) + options.hysteresis.deltaA,
  );
  const trialById = new Map(trial.connectors.map((a) => [a.id, a]));
  const decisions = new Map<string, HysteresisDecision>();
  const allowed = demands.filter((d) => {
    if (uncontrolled.has(d.chargerId)) return true;
    const trialAllocation = trialById.get(d.id);
    const decision = stepHysteresis(stateOf(d), { nowMs, headroomA: trialAllocation?.status === 'charging' ? trialAllocation.limit : 0 }, { minA: d.minimum ?? 6, ...options.hysteresis });
    decisions.set(d.id, decision);
    return decision.allowCharging;
  });
  const allocation = allocate({ ...base, availableW, connectors: allowed });
  const nowValues = rampNow(input, allocation, allowed);

  // The known steps of the limit, each allocated with today's sessions (future periods get no PV credit).
  const cache = new Map<number, AllocationResult>([[availableW, allocation]]);
  const steps: StepValues[] = [{ atMs: nowMs, limitW: current.powerW, source: current.source, values: nowValues, allocation }];
  for (const change of timeline.nextChanges(nowMs, input.horizonMs - nowMs)) {
    const a = availableAt(change.powerW);
    let result = cache.get(a);
    if (result === undefined) {
      result = allocate({ ...base, availableW: a, connectors: allowed });
      cache.set(a, result);
    }
    steps.push({ atMs: change.atMs, limitW: change.powerW, source: change.source, values: new Map(result.connectors.map((c) => [c.id, c.limit])), allocation: result });
  }

  const { publications, deferred } = buildPublications(input, steps, uncontrolled);
  const deferredSet = new Set(deferred);
  const targets = group.stations.flatMap((s) => stationTargets(input, s, allocation, nowValues, decisions, evDemand, uncontrolled.get(s.stationId), deferredSet.has(s.stationId)));
  return {
    limitW: current.powerW,
    availableW,
    pvCreditW: input.pvCreditW,
    source: current.source,
    allocation,
    targets,
    publications,
    deferred,
    infeasible: infeasibleBlocks(steps, input.horizonMs),
    uncontrolled,
  };
}

/** Sessions that want power; `evDemand` receives each one's under-use state and cap (ev-demand.ts). */
function sessionDemands(input: RoundInput, evDemand: Map<string, { state?: EvUnderuse; capA?: number }>): ConnectorDemand[] {
  const demands: ConnectorDemand[] = [];
  for (const s of input.group.stations) {
    for (const c of s.connectors) {
      const id = connectorKey(s.stationId, c.connectorId);
      const live = input.connectors.get(id);
      if (live?.transactionId === undefined) continue;
      const previous = input.previous.get(id);
      const ev: { state?: EvUnderuse; capA?: number } = input.options.evDemand === undefined ? {} : stepEvDemand(
        previous?.evUnderuse,
        {
          nowMs: input.nowMs,
          sample: live.currentA === undefined || live.currentAtMs === undefined ? undefined : { currentA: live.currentA, atMs: live.currentAtMs },
          limitA: previous?.status === 'charging' && previous.unit === 'A' ? previous.limit : undefined,
          sessionStartedMs: live.sessionStartedMs,
          minimumA: c.minCurrentA ?? 6,
        },
        input.options.evDemand,
      );
      evDemand.set(id, ev);
      demands.push({
        id,
        chargerId: s.stationId,
        phases: phasesOf(c.phases),
        minimum: c.minCurrentA,
        maxima: { rating: c.maxCurrentA, ev: ev.capA },
        priority: c.priority,
        arrivalMs: live.sessionStartedMs ?? input.nowMs,
        charging: previous?.status === 'charging',
      });
    }
  }
  return demands;
}

/**
 * Decreases apply at once; increases grow by the ramp rate from what is in effect. A session that
 * starts jumps to its minimum (its admission guarantees that fits) and ramps from there.
 */
function rampNow(input: RoundInput, allocation: AllocationResult, demands: readonly ConnectorDemand[]): Map<string, number> {
  const byId = new Map(demands.map((d) => [d.id, d]));
  const values = new Map<string, number>();
  const items: RampItem[] = [];
  let lastPlannedMs = 0;
  for (const a of allocation.connectors) {
    if (a.status !== 'charging') {
      values.set(a.id, a.limit);
      continue;
    }
    const previous = input.previous.get(a.id);
    const floor = byId.get(a.id)?.minimum ?? 6;
    const inEffect = previous !== undefined && previous.unit === a.unit && previous.status === 'charging' ? previous.limit : 0;
    if (inEffect < floor) {
      values.set(a.id, Math.min(a.limit, floor));
      continue;
    }
    lastPlannedMs = Math.max(lastPlannedMs, previous?.plannedAtMs ?? 0);
    items.push({ id: a.id, current: inEffect, target: a.limit, floor, step: 0.1, wattsPerUnit: input.group.nominalVoltageV * a.numberPhases });
  }
  const elapsedMs = lastPlannedMs === 0 ? 0 : Math.max(0, input.nowMs - lastPlannedMs);
  for (const [id, v] of rampGroup(items, elapsedMs, 0, { ratePerSecond: input.options.rampPerSecond })) values.set(id, v);
  return values;
}

function stationTargets(
  input: RoundInput,
  station: StationModel,
  allocation: AllocationResult,
  nowValues: ReadonlyMap<string, number>,
  decisions: ReadonlyMap<string, HysteresisDecision>,
  evDemand: ReadonlyMap<string, { state?: EvUnderuse; capA?: number }>,
  uncontrolledWhy: string | undefined,
  deferred: boolean,
): ConnectorTarget[] {
  const byId = new Map(allocation.connectors.map((a) => [a.id, a]));
  const V = input.group.nominalVoltageV;
  return station.connectors.map((c): ConnectorTarget => {
    const id = connectorKey(station.stationId, c.connectorId);
    const common = { stationId: station.stationId, connectorId: c.connectorId, unit: 'A' as const, numberPhases: c.phases };
    const a = byId.get(id);
    const hysteresis = decisions.get(id)?.state;
    const ev = evDemand.get(id);
    if (uncontrolledWhy !== undefined) {
      return { ...common, status: 'uncontrolled', reason: uncontrolledWhy, limit: c.maxCurrentA, powerW: a === undefined ? 0 : c.maxCurrentA * V * c.phases };
    }
    if (a === undefined) {
      const paused = hysteresis !== undefined;
      return { ...common, status: paused ? 'paused' : 'idle', reason: paused ? 'hysteresis: waiting for stable headroom' : 'no session', limit: 0, powerW: 0, hysteresis };
    }
    const previous = input.previous.get(id);
    if (deferred && previous !== undefined) {
      return { ...common, status: previous.status === 'charging' ? 'charging' : 'paused', reason: 'increase waits for pending decreases', limit: previous.limit, powerW: previous.limit * V * c.phases, hysteresis, evUnderuse: ev?.state };
    }
    const limit = nowValues.get(id) ?? 0;
    if (a.status === 'paused' || limit === 0) {
      // The final allocation paused a session hysteresis let through: it is paused from now on.
      const pausedState = hysteresis?.mode === 'charging' ? { mode: 'paused' as const, sinceMs: input.nowMs } : hysteresis;
      return { ...common, status: 'paused', reason: a.pauseReason === 'max_below_min' ? 'maximum below minimum' : 'no capacity at the minimum current', limit: 0, powerW: 0, hysteresis: pausedState };
    }
    const capped = ev?.capA !== undefined && a.limit >= ev.capA - 1e-9;
    const reason =
      limit < a.limit ? `ramping to ${a.limit} A` : capped ? `capped near what the EV draws (at most ${ev.state?.peakA} A)` : a.limit >= c.maxCurrentA ? 'at its maximum' : 'fair share';
    return { ...common, status: 'charging', reason, limit, powerW: limit * V * c.phases, hysteresis, evUnderuse: ev?.state };
  });
}
