import { allocate } from './allocate.js';
import { acCharger, conn, input, THREE, V } from './test/fixtures.js';
import type { AllocationResult } from './types.js';

const byId = (r: AllocationResult, id: string) => {
  const found = r.connectors.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no connector ${id}`);
  return found;
};
const limits = (r: AllocationResult): Record<string, number> => Object.fromEntries(r.connectors.map((c) => [c.id, c.limit]));

describe('allocate: worked scenarios', () => {
  it('shares equally when only the group limit binds', () => {
    // 3 × 3-phase cars, 30 kW: 30000 / (3 × 660 W/A) = 15.15 A → floored to 15.1 A each; the 3 × 0.05 A
    // left (99 W) fit one more 0.1 A step (66 W), which goes to the first in admission order.
    const r = allocate(input(30_000, [acCharger('A', 32), acCharger('B', 32), acCharger('C', 32)], [conn('a', 'A'), conn('b', 'B'), conn('c', 'C')]));
    expect(limits(r)).toEqual({ a: 15.2, b: 15.1, c: 15.1 });
    expect(r.totalW).toBeCloseTo((15.2 + 15.1 + 15.1) * 3 * V, 6);
    expect(r.infeasible).toBe(false);
  });

  it('3 connectors on 2 chargers: a charger rating is shared by its connectors', () => {
    // Charger A (16 A per phase) has two connectors, B (32 A) one; plenty of group power.
    const r = allocate(input(100_000, [acCharger('A', 16), acCharger('B', 32)], [conn('A/1', 'A'), conn('A/2', 'A'), conn('B/1', 'B')]));
    expect(limits(r)).toEqual({ 'A/1': 8, 'A/2': 8, 'B/1': 32 });
    expect(r.chargers.find((c) => c.chargerId === 'A')?.phaseA).toEqual({ L1: 16, L2: 16, L3: 16 });
  });

  it('a 1-phase car on a 3-phase site gets more current when its phase has room', () => {
    // L1 fuse 40 A carries both cars; L2/L3 only the 3-phase one. Group: 40 kW.
    const r = allocate(
      input(40_000, [acCharger('A', 32), acCharger('B', 32)], [conn('three', 'A'), conn('one', 'B', { phases: ['L1'] })], { phaseLimitA: { L1: 40, L2: 40, L3: 40 } }),
    );
    expect(limits(r)).toEqual({ one: 20, three: 20 });
    expect(byId(r, 'one')).toMatchObject({ numberPhases: 1, powerW: 20 * V });
    // With L2/L3 loaded elsewhere only L1 matters: the 1-phase car rises to its own maximum.
    const r2 = allocate(input(40_000, [acCharger('A', 32), acCharger('B', 32)], [conn('three', 'A', { maxima: { rating: 32, ev: 10 } }), conn('one', 'B', { phases: ['L1'] })], { phaseLimitA: { L1: 40 } }));
    expect(limits(r2)).toEqual({ one: 30, three: 10 });
  });

  it('respects a higher minimum: the water level rises to it before lifting that connector', () => {
    const chargers = [acCharger('A', 32), acCharger('B', 32)];
    const cars = (w: number) => allocate(input(w, chargers, [conn('a', 'A'), conn('b', 'B', { minimum: 10 })]));
    // 18 A in total: a rises from 6 A to 8 A while b waits at its 10 A minimum.
    expect(limits(cars(18 * 660))).toEqual({ a: 8, b: 10 });
    // 24 A: a reaches 10 A, then both rise together to 12 A.
    expect(limits(cars(24 * 660))).toEqual({ a: 12, b: 12 });
  });

  it('uses the site voltage, not 230 V', () => {
    const r = allocate(input(6 * V, [acCharger('A', 32)], [conn('a', 'A', { phases: ['L2'] })]));
    expect(byId(r, 'a')).toMatchObject({ status: 'charging', limit: 6, powerW: 1320 });
    expect(allocate(input(1319, [acCharger('A', 32)], [conn('a', 'A', { phases: ['L2'] })])).connectors[0].status).toBe('paused');
  });

  it('an infeasible limit pauses the lowest-priority sessions and reports the shortfall', () => {
    // 10 kW: each 3-phase car needs 6 A × 660 W/A = 3960 W at minimum, so two fit, three do not.
    const cars = [
      conn('vip', 'A', { priority: 2, arrivalMs: 300 }),
      conn('early', 'B', { arrivalMs: 100 }),
      conn('late', 'C', { arrivalMs: 200 }),
    ];
    const r = allocate(input(10_000, [acCharger('A', 32), acCharger('B', 32), acCharger('C', 32)], cars));
    expect(byId(r, 'late')).toMatchObject({ status: 'paused', pauseReason: 'no_capacity', limit: 0, powerW: 0 });
    expect(byId(r, 'vip').limit).toBeGreaterThan(6);
    expect(byId(r, 'early').limit).toBe(6);
    expect(r.infeasible).toBe(true);
    expect(r.overloaded).toBe(false);
    expect(r.shortfallW).toBeCloseTo(3 * 3960 - 10_000, 6);
    expect(r.totalW).toBeLessThanOrEqual(10_000);
  });

  it('keeps running sessions ahead of newcomers of the same class (no preemption flapping)', () => {
    const cars = [conn('newcomer', 'A', { arrivalMs: 0 }), conn('running', 'B', { arrivalMs: 1000, charging: true })];
    const r = allocate(input(5_000, [acCharger('A', 32), acCharger('B', 32)], cars));
    expect(byId(r, 'running').status).toBe('charging');
    expect(byId(r, 'newcomer').status).toBe('paused');
  });

  it('fills class by class: the higher class takes what it can use first', () => {
    const cars = [conn('hi', 'A', { priority: 1 }), conn('lo', 'B')];
    const r = allocate(input(30_000, [acCharger('A', 32), acCharger('B', 32)], cars));
    // lo keeps its 6 A minimum; hi gets the rest: (30000 − 3960) / 660 = 39.45 → capped at 32 A; lo takes the remainder.
    expect(byId(r, 'hi').limit).toBe(32);
    expect(byId(r, 'lo').limit).toBe(13.4);
  });

  it('counts offline / non-compliant chargers at their rated maximum and re-shares the rest', () => {
    const chargers = [acCharger('dead', 16, { controllable: false }), acCharger('A', 32)];
    const r = allocate(input(30_000, chargers, [conn('x', 'dead'), conn('a', 'A')], { phaseLimitA: { L1: 50, L2: 50, L3: 50 } }));
    expect(r.uncontrolledW).toBe(16 * 3 * V);
    expect(byId(r, 'x')).toMatchObject({ status: 'uncontrolled', limit: 32 });
    // Group: (30000 − 10560) / 660 = 29.45 A; fuse: 50 − 16 = 34 A → 29.4 A.
    expect(byId(r, 'a').limit).toBe(29.4);
    expect(r.constraints.find((c) => c.id === 'phase:L1')).toMatchObject({ uncontrolled: 16 });
    expect(r.chargers.find((c) => c.chargerId === 'dead')).toMatchObject({ controllable: false, powerW: 10_560 });
  });

  it('flags overload when uncontrolled load alone exceeds the limit', () => {
    const r = allocate(input(5_000, [acCharger('dead', 16, { controllable: false }), acCharger('A', 32)], [conn('a', 'A')]));
    expect(r).toMatchObject({ infeasible: true, overloaded: true });
    expect(byId(r, 'a').status).toBe('paused');
    expect(r.shortfallW).toBeCloseTo(10_560 + 3960 - 5000, 6);
  });

  it('treats zero or negative available power as "no charging"', () => {
    for (const w of [0, -1000]) {
      const r = allocate(input(w, [acCharger('A', 32)], [conn('a', 'A')]));
      expect(r.connectors[0]).toMatchObject({ status: 'paused', limit: 0 });
      expect(r.infeasible).toBe(true);
    }
  });

  it('pauses a connector whose maximum is below its minimum', () => {
    const r = allocate(input(50_000, [acCharger('A', 32)], [conn('a', 'A', { maxima: { rating: 32, ev: 5 } })]));
    expect(byId(r, 'a')).toMatchObject({ status: 'paused', pauseReason: 'max_below_min' });
    expect(r.infeasible).toBe(false);
  });

  it('discretises to whole amperes for integerAmpsOnly chargers and hands the leftover to others', () => {
    const chargers = [acCharger('int', 32, { integerAmpsOnly: true }), acCharger('fine', 32)];
    const r = allocate(input(20_000, chargers, [conn('i', 'int'), conn('f', 'fine')]));
    // Continuous: 20000 / 1320 = 15.15 A each. Integer charger: 15 A; the other gets 15.3 A (15.15 + 0.15 floored to 0.1).
    expect(byId(r, 'i').limit).toBe(15);
    expect(byId(r, 'f').limit).toBe(15.3);
    expect(r.totalW).toBeLessThanOrEqual(20_000);
  });

  it('allocates DC connectors in W on a W step and counts them on all phases', () => {
    const chargers = [{ id: 'dc', current: 'DC' as const, phases: THREE, maxPowerW: 50_000, controllable: true, stepW: 500 }, acCharger('A', 32)];
    const r = allocate(
      input(30_000, chargers, [conn('d', 'dc', { maxima: { rating: 50_000 }, minimum: 5000 }), conn('a', 'A')], { phaseLimitA: { L1: 100, L2: 100, L3: 100 } }),
    );
    const d = byId(r, 'd');
    expect(d.unit).toBe('W');
    expect(d.limit % 500).toBe(0);
    // Equal per-phase current: 30000 / (2 × 660) = 22.7 A each, i.e. ~15 kW for the DC charger.
    expect(d.limit).toBe(15_000);
    expect(byId(r, 'a').limit).toBe(22.7);
    expect(r.totalW).toBeLessThanOrEqual(30_000);
  });

  it('is independent of the input order', () => {
    const chargers = [acCharger('A', 16), acCharger('B', 32), acCharger('C', 20)];
    const cars = [conn('a', 'A', { arrivalMs: 5 }), conn('b', 'B', { phases: ['L2'] }), conn('c', 'C', { priority: 1 }), conn('d', 'A', { arrivalMs: 5 })];
    const one = allocate(input(17_000, chargers, cars, { phaseLimitA: { L2: 30 } }));
    const two = allocate(input(17_000, [...chargers].reverse(), [...cars].reverse(), { phaseLimitA: { L2: 30 } }));
    expect(two).toEqual(one);
  });

  it('rejects inconsistent input', () => {
    expect(() => allocate(input(1, [acCharger('A', 32)], [conn('a', 'X')]))).toThrow(/unknown charger/);
    expect(() => allocate(input(1, [acCharger('A', 32)], [conn('a', 'A'), conn('a', 'A')]))).toThrow(/duplicate connector/);
    expect(() => allocate(input(1, [acCharger('A', 32), acCharger('A', 32)], []))).toThrow(/duplicate charger/);
    expect(() => allocate(input(Number.NaN, [acCharger('A', 32)], []))).toThrow(RangeError);
    expect(() => allocate({ ...input(1, [], []), nominalVoltageV: 0 })).toThrow(RangeError);
  });

  it('returns an empty allocation for a group without sessions', () => {
    const r = allocate(input(10_000, [acCharger('A', 32)], []));
    expect(r).toMatchObject({ connectors: [], totalW: 0, infeasible: false, shortfallW: 0 });
  });
});
