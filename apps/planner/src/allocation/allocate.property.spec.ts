/**
 * Property tests of the allocator (fast-check). Checks use plain comparisons instead of expect():
 * they run thousands of times and must keep the suite fast on two shared cores.
 */
import fc from 'fast-check';
import { allocate } from './allocate.js';
import { admit, fill } from './fill.js';
import { buildModel, levelOf } from './model.js';
import { arbInput, permute, violations } from './test/arbitraries.js';
import type { AllocationInput } from './types.js';

const RUNS = { numRuns: 300 };

describe('allocator properties', () => {
  it('never exceeds any constraint: group W, phase fuses, charger ratings (after discretisation)', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const problems = violations(input, allocate(input));
        if (problems.length > 0) throw new Error(problems.join('; '));
      }),
      RUNS,
    );
  });

  it('gives every connector a value within [min, max] on its step grid, or pauses it at 0', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = allocate(input);
        const model = buildModel(input);
        for (const c of model.connectors) {
          const a = result.connectors.find((x) => x.id === c.demand.id);
          if (a === undefined) return false;
          if (a.status === 'paused') {
            if (a.limit !== 0 || a.powerW !== 0) return false;
            continue;
          }
          const m = c.demand.maxima;
          const max = Math.min(m.rating, m.cable ?? Infinity, m.ev ?? Infinity, m.share ?? Infinity);
          const min = c.demand.minimum ?? (c.unit === 'W' ? 1000 : 6);
          const steps = a.limit / c.step;
          if (a.limit < min - 1e-9 || a.limit > max + 1e-9 || Math.abs(steps - Math.round(steps)) > 1e-6) return false;
        }
        return result.connectors.length === input.connectors.length;
      }),
      RUNS,
    );
  });

  it('is max-min fair within a class (continuous fill): a lower level means max, tight constraint or a higher minimum', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const model = buildModel(input);
        const { admitted, level, used } = fill(model, admit(model));
        const tight = model.constraints.map((c, k) => c.capacity - used[k] <= 1e-6 * Math.max(1, Math.abs(c.rawCapacity)));
        const n = model.connectors.length;
        for (let i = 0; i < n; i++) {
          if (!admitted[i]) continue;
          const ci = model.connectors[i];
          const atMax = level[i] >= levelOf(ci, ci.kMax) - 1e-9;
          const blocked = atMax || ci.ks.some((k) => tight[k]);
          for (let j = 0; j < n; j++) {
            const cj = model.connectors[j];
            if (!admitted[j] || cj.demand.priority !== ci.demand.priority || level[i] >= level[j] - 1e-6) continue;
            const jAtMin = level[j] <= levelOf(cj, cj.kMin) + 1e-9;
            if (!blocked && !jAtMin) throw new Error(`${ci.demand.id} at ${level[i]} below ${cj.demand.id} at ${level[j]} without reason`);
          }
        }
      }),
      RUNS,
    );
  });

  it('leaves no usable step after redistribution and floors by at most one step', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const model = buildModel(input);
        const continuous = fill(model, admit(model));
        const result = allocate(input);
        const used = model.constraints.map((c) => (result.constraints.find((u) => u.id === c.id)?.used ?? 0) - c.uncontrolled);
        for (let i = 0; i < model.connectors.length; i++) {
          if (!continuous.admitted[i]) continue;
          const c = model.connectors[i];
          const a = result.connectors.find((x) => x.id === c.demand.id);
          if (a === undefined || a.status !== 'charging') return false;
          const k = Math.round(a.limit / c.step);
          if ((k * c.step) / c.scale < continuous.level[i] - levelOf(c, 1) - 1e-9) throw new Error(`${c.demand.id} lost more than a step`);
          if (k >= c.kMax) continue;
          const extra = levelOf(c, 1);
          const fitsAnother = c.ks.every((kk, j) => used[kk] + c.cs[j] * extra <= model.constraints[kk].capacity - 1e-6 * Math.max(1, Math.abs(model.constraints[kk].rawCapacity)));
          if (fitsAnother) throw new Error(`${c.demand.id} could take another step`);
        }
        return true;
      }),
      RUNS,
    );
  });

  it('is deterministic and independent of the input order', () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.integer(), { minLength: 1, maxLength: 20 }), (input, keys) => {
        const shuffled: AllocationInput = { ...input, chargers: permute(input.chargers, keys), connectors: permute(input.connectors, [...keys].reverse()) };
        const a = JSON.stringify(allocate(input));
        return a === JSON.stringify(allocate(input)) && a === JSON.stringify(allocate(shuffled));
      }),
      { numRuns: 200 },
    );
  });

  it('reports infeasible exactly when a session is paused for capacity or uncontrolled load breaks a constraint', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const r = allocate(input);
        const pausedForCapacity = r.connectors.some((c) => c.pauseReason === 'no_capacity');
        if (r.infeasible !== (pausedForCapacity || r.overloaded)) return false;
        // Group shortfall is zero iff uncontrolled load plus every minimum fits in A.
        return r.shortfallW >= 0 && (r.shortfallW > 0 || !r.overloaded || r.constraints.some((c) => c.id !== 'group' && c.uncontrolled > c.capacity));
      }),
      RUNS,
    );
  });

  it('admits a prefix of the admission order when only the group limit binds', () => {
    const homogeneous = fc
      .record({
        availableW: fc.integer({ min: 0, max: 60_000 }),
        cars: fc.array(fc.record({ priority: fc.integer({ min: 0, max: 2 }), arrivalMs: fc.integer({ min: 0, max: 9 }), charging: fc.boolean() }), { minLength: 1, maxLength: 12 }),
      })
      .map(({ availableW, cars }): AllocationInput => ({
        nominalVoltageV: 220,
        availableW,
        chargers: cars.map((_, i) => ({ id: `c${i}`, current: 'AC' as const, phases: ['L1', 'L2', 'L3'] as const, controllable: true })),
        connectors: cars.map((car, i) => ({ id: `c${i}/1`, chargerId: `c${i}`, phases: ['L1', 'L2', 'L3'] as const, maxima: { rating: 32 }, ...car })),
      }));
    fc.assert(
      fc.property(homogeneous, (input) => {
        const model = buildModel(input);
        const r = allocate(input);
        const statuses = model.connectors.map((c) => r.connectors.find((a) => a.id === c.demand.id)?.status);
        const firstPaused = statuses.indexOf('paused');
        return firstPaused === -1 || statuses.slice(firstPaused).every((s) => s === 'paused');
      }),
      RUNS,
    );
  });
});
