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
  type ConnectorDemand,
  type HysteresisDecision,
  type HysteresisState,
  type RampItem,
  type SitePhase,
} from '../allocation/index.js';
import { availablePowerW } from '../timeline/index.js';
import type { StationModel } from '../topology/group-model.js';
import type { ConnectorTarget, PreviousTarget, RoundInput, RoundResult } from './round-types.js';
import { buildPublications, limitAt, type StepValues } from './schedules.js';
import { infeasibleBlocks } from './infeasible.js';
import { stepEvDemand, type EvUnderuse } from './ev-demand.js';
import { resumeTrial } from './resume-trial.js';
import { chargersAt, heldInstants, heldKey, stationControl, type StationControl } from './offline-grace.js';

const THREE: readonly SitePhase[] = ['L1', 'L2', 'L3'];
const phasesOf = (n: 1 | 3): readonly SitePhase[] => (n === 1 ? ['L1'] : THREE);
export const connectorKey = (stationId: string, connectorId: number): string => `${stationId}/${connectorId}`;

export { uncontrolledReason } from './offline-grace.js';

export function planRound(input: RoundInput): RoundResult {
  const { nowMs, group, timeline, options } = input;
  const current = timeline.at(nowMs);
  if (current === undefined) throw new RangeError('the timeline does not cover now');
  const availableAt = (limitW: number): number => availablePowerW(limitW, { marginFraction: group.safetyMargin, uncontrolledW: 0, pvCreditW: 0 });

  const uncontrolled = new Map<string, string>();
  const control = new Map<string, StationControl>();
  for (const s of group.stations) {
    const c = stationControl(input.stations.get(s.stationId), nowMs, options);
    control.set(s.stationId, c);
    if (c.reason !== undefined) uncontrolled.set(s.stationId, c.reason);
  }
  const evDemand = new Map<string, { state?: EvUnderuse; capA?: number }>();
  const demands = sessionDemands(input, evDemand);
  const baseAt = (t: number) => ({ nominalVoltageV: group.nominalVoltageV, chargers: chargersAt(group.stations, control, t, phasesOf) });
  const base = baseAt(nowMs);
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

  // The known steps of the limit, each allocated with today's sessions (future periods get no PV
  // credit), and the steps of what held chargers count at: the end of a grace is a step down for
  // the others, which they then take by themselves should no round follow.
  const cache = new Map<string, AllocationResult>([[`${availableW}|${heldKey(control, nowMs)}`, allocation]]);
  const steps: StepValues[] = [{ atMs: nowMs, limitW: current.powerW, source: current.source, values: nowValues, allocation }];
  const instants = [...new Set([...timeline.nextChanges(nowMs, input.horizonMs - nowMs).map((c) => c.atMs), ...heldInstants(control, nowMs, input.horizonMs)])].sort((a, b) => a - b);
  for (const atMs of instants) {
    const segment = timeline.at(atMs);
    if (segment === undefined) continue;
    const a = availableAt(segment.powerW);
    const key = `${a}|${heldKey(control, atMs)}`;
    let result = cache.get(key);
    if (result === undefined) {
      result = allocate({ ...baseAt(atMs), availableW: a, connectors: allowed });
      cache.set(key, result);
    }
    steps.push({ atMs, limitW: segment.powerW, source: segment.source, values: new Map(result.connectors.map((c) => [c.id, c.limit])), allocation: result });
  }

  const resend = new Set([...control].filter(([, c]) => c.resend === true).map(([id]) => id));
  const { publications, deferred } = buildPublications(input, steps, uncontrolled, resend);
  const deferredSet = new Set(deferred);
  const targets = group.stations.flatMap((s) => stationTargets(input, s, allocation, nowValues, decisions, evDemand, control.get(s.stationId)!, deferredSet.has(s.stationId)));
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
    const inEffect = inEffectNow(input, a.id, a.unit, previous);
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

/**
 * What the charger applies now: the published schedule's value at `nowMs`, which a step up (the end
 * of a cap or an emergency, an hour boundary) has already raised by itself since the previous round.
 * Ramping from the previous round's value would cut it back. Without a plan that reached the
 * charger, the previous round's value.
 */
function inEffectNow(input: RoundInput, id: string, unit: 'A' | 'W', previous: PreviousTarget | undefined): number {
  if (previous === undefined || previous.unit !== unit) return 0;
  const [stationId, connectorId] = [id.slice(0, id.lastIndexOf('/')), Number(id.slice(id.lastIndexOf('/') + 1))];
  const plan = input.published.get(stationId);
  const limit = plan === undefined || plan.failed ? undefined : plan.connectors.find((l) => l.connectorId === connectorId);
  if (limit !== undefined && limit.schedule.chargingRateUnit === unit) return limitAt(limit, input.nowMs);
  return previous.status === 'charging' ? previous.limit : 0;
}

function stationTargets(
  input: RoundInput,
  station: StationModel,
  allocation: AllocationResult,
  nowValues: ReadonlyMap<string, number>,
  decisions: ReadonlyMap<string, HysteresisDecision>,
  evDemand: ReadonlyMap<string, { state?: EvUnderuse; capA?: number }>,
  control: StationControl,
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
    if (control.reason !== undefined) {
      // A held charger is counted at what its acknowledged plan gives the connector now.
      const held = control.held?.connectors.find((l) => l.connectorId === c.connectorId);
      const counted = held === undefined ? c.maxCurrentA : limitAt(held, input.nowMs);
      return { ...common, status: 'uncontrolled', reason: control.reason, limit: counted, powerW: a === undefined ? 0 : counted * V * c.phases };
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
