import { DAY_MS, HOUR_MS, taipeiDayStartMs } from '../timeline/index.js';
import { adjustPhase, decideAdjust, forecastNeed, percentileOf, unconstrainedDemandW } from './decision.js';

const D = taipeiDayStartMs('2026-12-05');
const flatW = (kw: number) => Array.from({ length: 24 }, () => kw * 1000);

describe('extra-capacity decision', () => {
  it('counts sessions we held back at their maximum and car-limited ones at what they draw', () => {
    expect(
      unconstrainedDemandW([
        { sessionActive: true, status: 'charging', measuredW: 9_800, allowedW: 10_000, maxW: 21_120 },
        { sessionActive: true, status: 'charging', measuredW: 3_000, allowedW: 10_000, maxW: 21_120 },
        { sessionActive: true, status: 'paused', measuredW: 0, allowedW: 0, maxW: 21_120 },
        { sessionActive: false, status: 'idle', maxW: 21_120 },
      ]),
    ).toBe(21_120 + 3_000 + 21_120);
  });

  it('forecasts the 80th percentile of the same weekday hour, falling back to the last 14 days, plus the margin', () => {
    expect(percentileOf([1, 2, 3, 4, 5], 0.8)).toBe(4);
    const weekly = [1, 2, 3, 4, 5].map((w) => ({ hourStartMs: D - w * 7 * DAY_MS + 18 * HOUR_MS, demandW: w * 10_000 }));
    const daily = [1, 2, 3].map((d) => ({ hourStartMs: D - d * DAY_MS + 9 * HOUR_MS, demandW: d * 1000 }));
    const need = forecastNeed([...weekly, ...daily], D, { margin: 0.05, percentile: 0.8, weeks: 8 });
    expect(need[18]).toBeCloseTo(40_000 / 0.95, 6);
    expect(need[9]).toBeCloseTo(3_000 / 0.95, 6);
    expect(need[3]).toBeUndefined();
  });

  it('asks for the whole day in whole kW, never above the contract, only when an hour is short by more than max(2 kW, 5 %)', () => {
    const assigned = flatW(50);
    const need: (number | undefined)[] = flatW(40);
    expect(decideAdjust(need, assigned, 100_000).request).toBe(false);
    need[17] = 52_400; // short by 2.4 kW < 2.5 kW (5 %)
    expect(decideAdjust(need, assigned, 100_000).request).toBe(false);
    need[18] = 70_300;
    need[19] = 130_000;
    const d = decideAdjust(need, assigned, 100_000);
    expect(d.request).toBe(true);
    expect(d.requestedKw).toHaveLength(24);
    expect(d.requestedKw?.[0]).toBe(50);
    expect(d.requestedKw?.[17]).toBe(53);
    expect(d.requestedKw?.[18]).toBe(71);
    expect(d.requestedKw?.[19]).toBe(100);
    expect(d.reason).toContain('18, 19');
    // Already at the contract: nothing to ask.
    expect(decideAdjust(need, flatW(100), 100_000).request).toBe(false);
  });

  it('opens at the decision time and closes at the cut-off (Asia/Taipei)', () => {
    const day = taipeiDayStartMs('2026-12-04');
    expect(adjustPhase(day + 13 * HOUR_MS + 29 * 60_000, '13:30', '13:50')).toBe('before');
    expect(adjustPhase(day + 13 * HOUR_MS + 30 * 60_000, '13:30', '13:50')).toBe('open');
    expect(adjustPhase(day + 13 * HOUR_MS + 50 * 60_000, '13:30', '13:50')).toBe('closed');
  });
});
