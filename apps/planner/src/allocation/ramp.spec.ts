import fc from 'fast-check';
import { rampGroup, rampValue, type RampItem } from './ramp.js';

describe('ramp limiter', () => {
  it('applies decreases at once', () => {
    expect(rampValue(32, 6, 0, 6)).toBe(6);
    expect(rampValue(16, 0, 0, 6)).toBe(0);
  });

  it('compounds increases at 3 %/s, about a minute from 6 A to 32 A', () => {
    expect(rampValue(10, 32, 1000, 6)).toBeCloseTo(10.3, 10);
    expect(rampValue(6, 32, 56_000, 6)).toBeLessThan(32);
    expect(rampValue(6, 32, 57_000, 6)).toBe(32);
  });

  it('lets a resumed session jump to its floor', () => {
    expect(rampValue(0, 16, 0, 6)).toBe(6);
    expect(rampValue(0, 4, 0, 6)).toBe(4);
  });

  const item = (id: string, current: number, target: number): RampItem => ({ id, current, target, floor: 6, step: 0.1, wattsPerUnit: 660 });

  it('ramps the group total, scaling increases together on the step grid', () => {
    // Both want +10 A (13.2 kW) after 1 s; the group (2 × 10 A × 660 W = 13.2 kW) may grow by 3 % = 396 W.
    const out = rampGroup([item('a', 10, 20), item('b', 10, 20)], 1000, 0);
    expect(out.get('a')).toBe(10.3);
    expect(out.get('b')).toBe(10.3);
  });

  it('keeps a resuming session paused rather than below its floor when the group budget is short', () => {
    const out = rampGroup([item('busy', 30, 30), item('resume', 0, 16)], 1000, 1000);
    expect(out.get('resume')).toBe(0);
    expect(rampGroup([item('resume', 0, 16)], 1000, 5000).get('resume')).toBe(6);
  });

  it('always lands between the current and the target value', () => {
    const arb = fc.array(
      fc.record({ current: fc.integer({ min: 0, max: 320 }), target: fc.integer({ min: 0, max: 320 }) }).map((x) => ({ current: x.current / 10, target: x.target / 10 })),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 20_000 }), (xs, elapsed, floorW) => {
        const items = xs.map((x, i) => item(`c${i}`, x.current, x.target));
        const out = rampGroup(items, elapsed, floorW);
        return items.every((it) => {
          const v = out.get(it.id) ?? NaN;
          return it.target <= it.current ? v === it.target : v >= it.current && v <= it.target;
        });
      }),
      { numRuns: 300 },
    );
  });
});
