/**
 * The allocator: from the power available to a group to a limit per connector. Deterministic and
 * pure: the same input (in any order) gives the same output, and nothing here reads a clock.
 *
 * Steps: uncontrolled load first → admission at the minimum → progressive filling class by class →
 * discretisation → leftover redistribution. See docs/planner-core.md.
 */
import { discretise } from './discretise.js';
import { admit, fill } from './fill.js';
import { buildModel, type Model } from './model.js';
import {
  type AllocationInput,
  type AllocationResult,
  type ChargerTotal,
  type ConnectorAllocation,
  type ConstraintUsage,
  type SitePhase,
} from './types.js';

// Limits are sent with at most one decimal (A) or whole watts; 1e-6 removes binary noise only.
const clean = (v: number): number => Math.round(v * 1e6) / 1e6;

/** Allocates the available power of one group to its connectors. */
export function allocate(input: AllocationInput): AllocationResult {
  const model = buildModel(input);
  const continuous = fill(model, admit(model));
  const { steps, used } = discretise(model, continuous);
  const { admitted } = continuous;

  // Plain literals rather than spreads: this runs for every connector of every group on each re-plan.
  const allocations: ConnectorAllocation[] = model.connectors.map((c, i): ConnectorAllocation => {
    if (!admitted[i]) {
      const pauseReason = c.kMin > c.kMax ? 'max_below_min' : 'no_capacity';
      return { id: c.demand.id, chargerId: c.charger.id, status: 'paused', pauseReason, unit: c.unit, limit: 0, numberPhases: c.numberPhases, powerW: 0 };
    }
    const limit = clean(steps[i] * c.step);
    const powerW = clean(c.unit === 'W' ? limit : limit * c.powerPerLevel);
    return { id: c.demand.id, chargerId: c.charger.id, status: 'charging', unit: c.unit, limit, numberPhases: c.numberPhases, powerW };
  });
  const chargers = chargerTotals(model, allocations);
  allocations.push(...uncontrolledAllocations(input, model));
  allocations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const constraints: ConstraintUsage[] = model.constraints.map((c, k) => ({
    id: c.id,
    unit: c.unit,
    capacity: c.rawCapacity,
    uncontrolled: c.uncontrolled,
    used: clean(c.uncontrolled + used[k]),
  }));
  const allocatedW = allocations.reduce((s, a) => s + (a.status === 'charging' ? a.powerW : 0), 0);
  const { shortfallW, overloaded } = feasibility(model, input.availableW);
  return {
    connectors: allocations,
    chargers,
    constraints,
    totalW: clean(allocatedW + model.uncontrolledW),
    uncontrolledW: clean(model.uncontrolledW),
    infeasible: overloaded || allocations.some((a) => a.pauseReason === 'no_capacity'),
    shortfallW: clean(shortfallW),
    overloaded,
  };
}

function uncontrolledAllocations(input: AllocationInput, model: Model): ConnectorAllocation[] {
  if (model.uncontrolledByCharger.size === 0) return [];
  const byId = new Map(model.chargers.map((c) => [c.id, c]));
  return input.connectors.flatMap((d) => {
    const charger = byId.get(d.chargerId);
    if (charger === undefined || charger.controllable) return [];
    const dc = charger.current === 'DC';
    const n = Math.max(1, (dc ? charger.phases : d.phases).length);
    const powerW = dc ? d.maxima.rating : d.maxima.rating * model.voltage * n;
    return [{ id: d.id, chargerId: d.chargerId, status: 'uncontrolled' as const, unit: dc ? ('W' as const) : ('A' as const), numberPhases: n, limit: d.maxima.rating, powerW: clean(powerW) }];
  });
}

/**
 * The group shortfall is what running every session at its minimum would need beyond `A`;
 * "overloaded" means uncontrolled load alone breaks a constraint, where pausing cannot help.
 */
function feasibility(model: Model, availableW: number): { shortfallW: number; overloaded: boolean } {
  let minimumsW = 0;
  for (const c of model.connectors) if (c.kMin <= c.kMax) minimumsW += c.kMin * c.step * (c.unit === 'W' ? 1 : c.powerPerLevel);
  const overloaded = model.constraints.some((c) => c.capacity < -c.tolerance);
  return { shortfallW: Math.max(0, model.uncontrolledW + minimumsW - availableW), overloaded };
}

function chargerTotals(model: Model, allocations: readonly ConnectorAllocation[]): ChargerTotal[] {
  // `allocations` is still in model order here, so connector i is model.connectors[i].
  const totals = model.chargers.map((charger) => {
    const load = model.uncontrolledByCharger.get(charger.id);
    const phaseA: Record<SitePhase, number> = { L1: 0, L2: 0, L3: 0 };
    if (load !== undefined) for (const p of charger.phases) phaseA[p] = clean(load.phaseA);
    return { chargerId: charger.id, controllable: charger.controllable, powerW: load === undefined ? 0 : clean(load.powerW), phaseA };
  });
  model.connectors.forEach((c, i) => {
    const a = allocations[i];
    if (a.status !== 'charging') return;
    const total = totals[c.chargerIndex];
    total.powerW = clean(total.powerW + a.powerW);
    const perPhase = a.unit === 'W' ? a.limit / (model.voltage * c.numberPhases) : a.limit;
    for (const p of c.phases) total.phaseA[p] = clean(total.phaseA[p] + perPhase);
  });
  return totals;
}
