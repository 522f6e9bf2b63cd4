/** fast-check generators of allocation problems, and an independent feasibility oracle. */
import fc from 'fast-check';
import type { AllocationInput, AllocationResult, ChargerSpec, ConnectorDemand, SitePhase } from '../types.js';

const PHASES: SitePhase[] = ['L1', 'L2', 'L3'];
/** True with probability `p`. */
const chance = (p: number): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: 999 }).map((x) => x < p * 1000);

const arbCharger = (id: string): fc.Arbitrary<{ charger: ChargerSpec; connectors: ConnectorDemand[] }> =>
  fc
    .record({
      dc: chance(0.15),
      singlePhase: fc.option(fc.constantFrom(...PHASES), { freq: 4, nil: undefined }),
      maxCurrentA: fc.option(fc.integer({ min: 6, max: 63 }), { nil: undefined }),
      maxPowerW: fc.option(fc.integer({ min: 3000, max: 60_000 }), { freq: 3, nil: undefined }),
      controllable: chance(0.9),
      integerAmpsOnly: chance(0.2),
      stepW: fc.constantFrom(1, 100, 500),
      connectors: fc.array(
        fc.record({
          onePhase: fc.option(fc.constantFrom(...PHASES), { freq: 3, nil: undefined }),
          minimum: fc.option(fc.double({ min: 5, max: 10, noNaN: true }), { freq: 3, nil: undefined }),
          rating: fc.integer({ min: 6, max: 32 }),
          ev: fc.option(fc.double({ min: 3, max: 40, noNaN: true }), { freq: 2, nil: undefined }),
          priority: fc.integer({ min: 0, max: 2 }),
          arrivalMs: fc.integer({ min: 0, max: 5 }),
          charging: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map((g) => {
      const phases = g.singlePhase !== undefined && !g.dc ? [g.singlePhase] : PHASES;
      const charger: ChargerSpec = g.dc
        ? { id, current: 'DC', phases: PHASES, maxPowerW: g.maxPowerW ?? 50_000, controllable: g.controllable, stepW: g.stepW }
        : { id, current: 'AC', phases, maxCurrentA: g.maxCurrentA, maxPowerW: g.maxPowerW, controllable: g.controllable, integerAmpsOnly: g.integerAmpsOnly };
      const connectors = g.connectors.map((c, k): ConnectorDemand => {
        const own = g.dc ? PHASES : c.onePhase !== undefined ? [phases.includes(c.onePhase) ? c.onePhase : phases[0]] : phases;
        return {
          id: `${id}/${k + 1}`,
          chargerId: id,
          phases: own,
          minimum: g.dc ? (c.minimum === undefined ? undefined : c.minimum * 500) : c.minimum,
          maxima: g.dc ? { rating: c.rating * 1500, ev: c.ev === undefined ? undefined : c.ev * 1500 } : { rating: c.rating, ev: c.ev },
          priority: c.priority,
          arrivalMs: c.arrivalMs,
          charging: c.charging,
        };
      });
      return { charger, connectors };
    });

/** A random group of 1–6 chargers (1–3 connectors each), fuses and available power. */
export const arbInput: fc.Arbitrary<AllocationInput> = fc
  .record({
    voltage: fc.constantFrom(220, 220, 110, 230),
    availableW: fc.oneof(fc.integer({ min: -5000, max: 150_000 }), fc.double({ min: 0, max: 60_000, noNaN: true })),
    fuses: fc.record({ L1: fc.option(fc.integer({ min: 0, max: 120 })), L2: fc.option(fc.integer({ min: 0, max: 120 })), L3: fc.option(fc.integer({ min: 0, max: 120 })) }),
    count: fc.integer({ min: 1, max: 6 }),
  })
  .chain((base) =>
    fc.tuple(...Array.from({ length: base.count }, (_, i) => arbCharger(`cp${i}`))).map((groups): AllocationInput => {
      const phaseLimitA: Partial<Record<SitePhase, number>> = {};
      for (const p of PHASES) if (base.fuses[p] !== null) phaseLimitA[p] = base.fuses[p] ?? undefined;
      return {
        nominalVoltageV: base.voltage,
        availableW: base.availableW,
        phaseLimitA,
        chargers: groups.map((g) => g.charger),
        connectors: groups.flatMap((g) => g.connectors),
      };
    }),
  );

/**
 * Checks every constraint from the raw input and the output limits alone (no model internals).
 * Returns the violations found, empty when feasible.
 */
export function violations(input: AllocationInput, result: AllocationResult): string[] {
  const v = input.nominalVoltageV;
  const out: string[] = [];
  const tol = (cap: number): number => 1e-6 * Math.max(1, Math.abs(cap));
  const chargers = new Map(input.chargers.map((c) => [c.id, c]));
  const demands = new Map(input.connectors.map((d) => [d.id, d]));
  const phaseLoad: Record<SitePhase, number> = { L1: 0, L2: 0, L3: 0 };
  let uncontrolledW = 0;
  for (const c of input.chargers) {
    if (c.controllable) continue;
    const ratings = input.connectors.filter((d) => d.chargerId === c.id).reduce((s, d) => s + d.maxima.rating, 0);
    if (c.current === 'DC') {
      const w = c.maxPowerW ?? ratings;
      uncontrolledW += w;
      for (const p of c.phases) phaseLoad[p] += w / (v * c.phases.length);
    } else {
      const a = c.maxCurrentA ?? ratings;
      uncontrolledW += Math.min(c.maxPowerW ?? Infinity, v * a * c.phases.length);
      for (const p of c.phases) phaseLoad[p] += a;
    }
  }
  const uncontrolledPhase = { ...phaseLoad };
  let allocatedW = 0;
  const chargerW = new Map<string, number>();
  const chargerPhase = new Map<string, number>();
  for (const a of result.connectors) {
    if (a.status !== 'charging') continue;
    const d = demands.get(a.id);
    const c = chargers.get(a.chargerId);
    if (d === undefined || c === undefined) {
      out.push(`unknown connector ${a.id}`);
      continue;
    }
    const phases = c.current === 'DC' ? c.phases : d.phases;
    const w = c.current === 'DC' ? a.limit : a.limit * v * phases.length;
    const perPhase = c.current === 'DC' ? a.limit / (v * phases.length) : a.limit;
    allocatedW += w;
    chargerW.set(c.id, (chargerW.get(c.id) ?? 0) + w);
    for (const p of phases) {
      phaseLoad[p] += perPhase;
      chargerPhase.set(`${c.id}:${p}`, (chargerPhase.get(`${c.id}:${p}`) ?? 0) + perPhase);
    }
  }
  // A constraint already broken by uncontrolled load must carry no allocation at all.
  const check = (name: string, uncontrolled: number, allocated: number, cap: number): void => {
    const room = cap - uncontrolled;
    if (room < 0 ? allocated > 0 : allocated > room + tol(cap)) out.push(`${name}: ${allocated} allocated, room ${room}`);
  };
  check('group', uncontrolledW, allocatedW, input.availableW);
  for (const p of ['L1', 'L2', 'L3'] as const) {
    const fuse = input.phaseLimitA?.[p];
    if (fuse !== undefined) check(`phase ${p}`, uncontrolledPhase[p], phaseLoad[p] - uncontrolledPhase[p], fuse);
  }
  for (const c of input.chargers) {
    if (!c.controllable) continue;
    if (c.maxPowerW !== undefined) check(`charger ${c.id} W`, 0, chargerW.get(c.id) ?? 0, c.maxPowerW);
    if (c.current === 'AC' && c.maxCurrentA !== undefined) for (const p of c.phases) check(`charger ${c.id} ${p}`, 0, chargerPhase.get(`${c.id}:${p}`) ?? 0, c.maxCurrentA);
  }
  return out;
}

/** A deterministic shuffle driven by fast-check-generated keys. */
export function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || b.i - a.i)
    .map((x) => x.item);
}
