import fc from 'fast-check';
import { planDispatch, type DispatchLimit } from './dispatch-order.js';

const L = (stationId: string, connectorId: number, limit: number, unit: 'A' | 'W' = 'A'): DispatchLimit => ({ stationId, connectorId, limit, unit });

describe('planDispatch: decreases before increases', () => {
  it('splits the diff into decreases and increases and drops unchanged limits', () => {
    const plan = planDispatch([L('S1', 1, 10), L('S1', 2, 20), L('S2', 1, 16)], [L('S1', 1, 16), L('S1', 2, 10), L('S2', 1, 16)]);
    expect(plan.decreases).toEqual([[{ stationId: 'S1', connectorId: 1, unit: 'A', from: 16, to: 10 }]]);
    expect(plan.increases).toEqual([[{ stationId: 'S1', connectorId: 2, unit: 'A', from: 10, to: 20 }]]);
    expect(plan.skipped).toEqual([]);
  });

  it('sends the Max profile first when decreasing and last when increasing', () => {
    const down = planDispatch([L('S', 2, 6), L('S', 0, 12), L('S', 1, 6)], [L('S', 0, 32), L('S', 1, 16), L('S', 2, 16)]);
    expect(down.decreases[0].map((c) => c.connectorId)).toEqual([0, 1, 2]);
    const up = planDispatch([L('S', 0, 32), L('S', 2, 16), L('S', 1, 16)], [L('S', 0, 12), L('S', 1, 6), L('S', 2, 6)]);
    expect(up.increases[0].map((c) => c.connectorId)).toEqual([1, 2, 0]);
  });

  it('treats an unknown or differently-united acknowledged value as a decrease', () => {
    const plan = planDispatch([L('new', 1, 32), L('S', 1, 11000, 'W')], [L('S', 1, 16, 'A')]);
    expect(plan.decreases.flat().map((c) => c.stationId)).toEqual(['S', 'new']);
    expect(plan.decreases.flat().every((c) => c.from === undefined)).toBe(true);
  });

  it('deadbands small increases but never decreases', () => {
    const plan = planDispatch([L('S', 1, 16.4), L('S', 2, 15.9), L('T', 1, 10_200, 'W'), L('U', 1, 20)], [L('S', 1, 16), L('S', 2, 16), L('T', 1, 10_000, 'W'), L('U', 1, 19.5)]);
    // U: +0.5 A is below 3 % of 19.5 A (0.585 A), the larger band; S/2: a 0.1 A decrease is still sent.
    expect(plan.skipped.map((c) => `${c.stationId}/${c.connectorId}`)).toEqual(['S/1', 'T/1', 'U/1']);
    expect(plan.decreases.flat().map((c) => c.to)).toEqual([15.9]);
    expect(plan.increases.flat()).toHaveLength(0);
    // With the relative band off, +0.5 A reaches the absolute 0.5 A band and is sent.
    expect(planDispatch([L('U', 1, 20)], [L('U', 1, 19.5)], { deadbandFraction: 0 }).increases.flat()).toHaveLength(1);
  });

  it('is deterministic: stations sorted by id, every change sent at most once', () => {
    const limit = fc.record({ s: fc.constantFrom('A', 'B', 'C'), c: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 32 }) });
    fc.assert(
      fc.property(fc.uniqueArray(limit, { selector: (l) => `${l.s}/${l.c}` }), fc.uniqueArray(limit, { selector: (l) => `${l.s}/${l.c}` }), (t, a) => {
        const target = t.map((l) => L(l.s, l.c, l.v));
        const plan = planDispatch(target, a.map((l) => L(l.s, l.c, l.v)), { deadbandA: 0, deadbandFraction: 0 });
        const all = [...plan.decreases.flat(), ...plan.increases.flat()];
        const stations = plan.decreases.map((g) => g[0].stationId);
        return (
          new Set(all.map((c) => `${c.stationId}/${c.connectorId}`)).size === all.length &&
          plan.decreases.flat().every((c) => c.from === undefined || c.to < c.from) &&
          plan.increases.flat().every((c) => c.from !== undefined && c.to > c.from) &&
          stations.every((s, i) => i === 0 || stations[i - 1] < s) &&
          JSON.stringify(plan) === JSON.stringify(planDispatch([...target].reverse(), a.map((l) => L(l.s, l.c, l.v)), { deadbandA: 0, deadbandFraction: 0 }))
        );
      }),
      { numRuns: 200 },
    );
  });
});
