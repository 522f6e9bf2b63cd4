/**
 * Turns an {@link AllocationInput} into the allocator's internal linear model.
 *
 * Every connector gets one variable, its *level*: the per-phase current it is allowed, in A (for
 * DC the per-phase current equivalent of its power). Fairness is equal level, i.e. equal current
 * per phase, which is how AC charging is signalled and what users compare. Every constraint is
 * `Σ coeff·level ≤ capacity` with non-negative coefficients, which keeps progressive filling exact.
 */
import { SITE_PHASES, type AllocationInput, type ChargerSpec, type ConnectorDemand, type SitePhase } from './types.js';

/** A linear constraint `Σ coeff_i·level_i ≤ capacity` (capacity net of uncontrolled load). */
export interface Constraint {
  readonly id: string;
  readonly unit: 'W' | 'A';
  readonly rawCapacity: number;
  readonly uncontrolled: number;
  readonly capacity: number;
  /** Floating-point slack below which the constraint counts as tight. */
  readonly tolerance: number;
  /** Connectors (admission-order indices) that load it. */
  readonly members: number[];
}

/** One connector in model terms; arrays are indexed by admission order. */
export interface ModelConnector {
  readonly demand: ConnectorDemand;
  readonly charger: ChargerSpec;
  /** Position of the charger in {@link Model.chargers}. */
  readonly chargerIndex: number;
  /** Site phases it loads (the charger's for DC). */
  readonly phases: readonly SitePhase[];
  readonly unit: 'A' | 'W';
  readonly numberPhases: number;
  /** Native units (A or W) per level unit. */
  readonly scale: number;
  /** W per level unit. */
  readonly powerPerLevel: number;
  /** Step in native units. */
  readonly step: number;
  /** Bounds in whole steps: the minimum rounded up, the maximum down, to stay on the grid. */
  readonly kMin: number;
  readonly kMax: number;
  /**
   * Constraints that can bind (one that holds with every member at its maximum is dropped):
   * indices and coefficients as parallel arrays, which the hot loops read without allocating.
   */
  readonly ks: readonly number[];
  readonly cs: readonly number[];
  /** Every constraint the connector loads, for reporting. */
  readonly allKs: readonly number[];
  readonly allCs: readonly number[];
}

/** The whole model of one group. */
export interface Model {
  readonly connectors: readonly ModelConnector[];
  readonly constraints: readonly Constraint[];
  /** Indices of the constraints that can bind; the algorithm only ever looks at these. */
  readonly active: readonly number[];
  readonly chargers: readonly ChargerSpec[];
  readonly uncontrolledW: number;
  readonly uncontrolledPhaseA: Readonly<Record<SitePhase, number>>;
  /** Counted load of each uncontrolled charger: A on each of its phases, and W. */
  readonly uncontrolledByCharger: ReadonlyMap<string, { readonly phaseA: number; readonly powerW: number }>;
  readonly voltage: number;
}

const finite = (v: number, what: string): number => {
  if (!Number.isFinite(v)) throw new RangeError(`${what} must be a finite number`);
  return v;
};

/**
 * Admission order: priority class desc, running sessions first, arrival asc; the id last, so the
 * result does not depend on the order of the input.
 */
export function admissionOrder(a: ConnectorDemand, b: ConnectorDemand): number {
  return b.priority - a.priority || Number(b.charging) - Number(a.charging) || a.arrivalMs - b.arrivalMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Counted load of an uncontrolled charger: its full rating on each of its phases. */
function uncontrolledLoad(charger: ChargerSpec, demands: readonly ConnectorDemand[], voltage: number): { phaseA: number; powerW: number } {
  const n = Math.max(1, charger.phases.length);
  const ratings = demands.filter((d) => d.chargerId === charger.id).map((d) => d.maxima.rating);
  if (charger.current === 'DC') {
    const powerW = charger.maxPowerW ?? ratings.reduce((s, r) => s + r, 0);
    return { powerW, phaseA: powerW / (voltage * n) };
  }
  const phaseA = charger.maxCurrentA ?? ratings.reduce((s, r) => s + r, 0);
  return { phaseA, powerW: Math.min(charger.maxPowerW ?? Number.POSITIVE_INFINITY, voltage * phaseA * n) };
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Builds the model; throws on inconsistent input (unknown charger, duplicate ids, non-finite values). */
export function buildModel(input: AllocationInput): Model {
  const voltage = finite(input.nominalVoltageV, 'nominalVoltageV');
  if (voltage <= 0) throw new RangeError('nominalVoltageV must be positive');
  const opts = input.options ?? {};
  const chargers = [...input.chargers].sort(byId);
  const chargerIndex = new Map<string, number>();
  chargers.forEach((c, index) => {
    if (chargerIndex.has(c.id)) throw new Error(`duplicate charger ${c.id}`);
    chargerIndex.set(c.id, index);
  });
  const seen = new Set<string>();
  for (const d of input.connectors) {
    if (seen.has(d.id)) throw new Error(`duplicate connector ${d.id}`);
    seen.add(d.id);
    if (!chargerIndex.has(d.chargerId)) throw new Error(`connector ${d.id}: unknown charger ${d.chargerId}`);
  }

  let uncontrolledW = 0;
  const uncontrolledPhaseA: Record<SitePhase, number> = { L1: 0, L2: 0, L3: 0 };
  const uncontrolledByCharger = new Map<string, { phaseA: number; powerW: number }>();
  for (const c of chargers) {
    if (c.controllable) continue;
    const load = uncontrolledLoad(c, input.connectors, voltage);
    uncontrolledByCharger.set(c.id, load);
    uncontrolledW += load.powerW;
    for (const p of c.phases) uncontrolledPhaseA[p] += load.phaseA;
  }

  const constraints: Constraint[] = [];
  const addConstraint = (id: string, unit: 'W' | 'A', rawCapacity: number, uncontrolled: number): number => {
    const capacity = finite(rawCapacity, id) - uncontrolled;
    constraints.push({ id, unit, rawCapacity, uncontrolled, capacity, tolerance: 1e-9 * Math.max(1, Math.abs(rawCapacity)), members: [] });
    return constraints.length - 1;
  };
  const group = addConstraint('group', 'W', input.availableW, uncontrolledW);
  const phaseIdx = SITE_PHASES.map((p) => {
    const limit = input.phaseLimitA?.[p];
    return limit === undefined ? -1 : addConstraint(`phase:${p}`, 'A', limit, uncontrolledPhaseA[p]);
  });
  // Charger constraints are created on first use, so phases no connector draws on cost nothing;
  // slots (L1, L2, L3, W) per charger avoid building string keys per connector.
  const slots = new Map<string, number[]>();
  const chargerConstraint = (c: ChargerSpec, own: number[], slot: number, capacity: number): number => {
    if (own[slot] < 0) own[slot] = addConstraint(`charger:${c.id}:${slot === 3 ? 'W' : SITE_PHASES[slot]}`, slot === 3 ? 'W' : 'A', capacity, 0);
    return own[slot];
  };

  const demands = input.connectors.filter((d) => chargers[chargerIndex.get(d.chargerId) ?? -1]?.controllable).sort(admissionOrder);
  const drafts = demands.map((demand, i) => {
    const index = chargerIndex.get(demand.chargerId) ?? -1;
    const charger = chargers[index];
    const dc = charger.current === 'DC';
    const phases = dc ? charger.phases : demand.phases;
    const n = Math.max(1, phases.length);
    const step = dc ? (charger.stepW ?? opts.defaultStepW ?? 100) : charger.integerAmpsOnly ? 1 : (charger.stepA ?? opts.defaultStepA ?? 0.1);
    const m = demand.maxima;
    const max = Math.min(finite(m.rating, 'rating'), m.cable ?? Infinity, m.ev ?? Infinity, m.share ?? Infinity);
    const min = finite(demand.minimum ?? (dc ? (opts.defaultMinW ?? 1000) : (opts.defaultMinA ?? 6)), 'minimum');
    let own = slots.get(charger.id);
    if (own === undefined) slots.set(charger.id, (own = [-1, -1, -1, -1]));
    const allKs = [group];
    const allCs = [voltage * n];
    for (const p of phases) {
      const slot = p === 'L1' ? 0 : p === 'L2' ? 1 : 2;
      if (phaseIdx[slot] >= 0) {
        allKs.push(phaseIdx[slot]);
        allCs.push(1);
      }
      if (!dc && charger.maxCurrentA !== undefined) {
        allKs.push(chargerConstraint(charger, own, slot, charger.maxCurrentA));
        allCs.push(1);
      }
    }
    if (charger.maxPowerW !== undefined) {
      allKs.push(chargerConstraint(charger, own, 3, charger.maxPowerW));
      allCs.push(voltage * n);
    }
    for (const k of allKs) constraints[k].members.push(i);
    return {
      demand,
      charger,
      chargerIndex: index,
      phases,
      unit: dc ? ('W' as const) : ('A' as const),
      numberPhases: n,
      scale: dc ? voltage * n : 1,
      powerPerLevel: voltage * n,
      step,
      // The 1e-9 absorbs binary noise such as 6/0.1 = 59.99999999999999.
      kMin: Math.max(0, Math.ceil(min / step - 1e-9)),
      kMax: Math.floor(Math.max(0, max) / step + 1e-9),
      allKs,
      allCs,
      ks: allKs as readonly number[],
      cs: allCs as readonly number[],
    };
  });

  // A constraint that holds with every member at its maximum can never bind: the algorithm may
  // ignore it (typically generous fuses and ratings), which is exact and makes each event cheaper.
  const worst = zeros(constraints.length);
  for (const d of drafts) {
    if (d.kMin > d.kMax) continue;
    const max = (d.kMax * d.step) / d.scale;
    for (let j = 0; j < d.allKs.length; j++) worst[d.allKs[j]] += d.allCs[j] * max;
  }
  const binding = constraints.map((c, k) => worst[k] > c.capacity - c.tolerance);
  const active: number[] = [];
  binding.forEach((b, k) => {
    if (b && constraints[k].members.length > 0) active.push(k);
  });
  for (const d of drafts) {
    if (d.allKs.every((k) => binding[k])) continue;
    d.ks = d.allKs.filter((k) => binding[k]);
    d.cs = d.allCs.filter((_, j) => binding[d.allKs[j]]);
  }
  const connectors: readonly ModelConnector[] = drafts;
  return { connectors, constraints, active, chargers, uncontrolledW, uncontrolledPhaseA, uncontrolledByCharger, voltage };
}

/**
 * A zero-filled array. Plain arrays rather than typed arrays: the arrays here are tiny, and
 * allocating a small typed array (~0.85 µs on the bench machine) was a large share of the cost.
 */
export function zeros(n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = 0;
  return a;
}

/** A connector's level for `k` steps. */
export const levelOf = (c: ModelConnector, k: number): number => (k * c.step) / c.scale;
