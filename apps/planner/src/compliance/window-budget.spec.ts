import type { LimitSegment } from '../timeline/index.js';
import { readingAt, windowBudget, type WindowBudgetInput } from './window-budget.js';

const MIN = 60_000;
const seg = (fromMin: number, toMin: number, kw: number, kind: LimitSegment['source']['kind'] = 'contract'): LimitSegment => ({
  startMs: fromMin * MIN,
  endMs: toMin * MIN,
  powerW: kw * 1000,
  source: { kind },
});
/** A 15-minute window [0, 15) min under a flat 40 kW limit (10 kWh), 5 % margin, now at minute 5. */
const input = (over: Partial<WindowBudgetInput> = {}): WindowBudgetInput => ({
  nowMs: 5 * MIN,
  startMs: 0,
  endMs: 15 * MIN,
  segments: [seg(0, 15, 40)],
  margin: 0.05,
  startReading: { atMs: 0, energyWh: 100_000 },
  latestReading: { atMs: 5 * MIN, energyWh: 103_000 },
  powerNowW: 36_000,
  meterAgeMs: 20_000,
  staleAfterMs: 120_000,
  ...over,
});

describe('live window budget', () => {
  it('projects the energy used so far at the present power to the end of the window', () => {
    // 3 kWh used, 36 kW for the remaining 10 min = 6 kWh → 9 kWh against a 9.5 kWh budget.
    const b = windowBudget(input());
    expect(b).toMatchObject({ allowedWh: 10_000, budgetWh: 9_500, usedWh: 3_000, projectedWh: 9_000, status: 'ok', limitNowW: 40_000 });
    expect(b.allowedSoFarWh).toBeCloseTo(10_000 / 3, 6);
    // (9.5 − 3) kWh over 10 min = 39 kW on average.
    expect(b.headroomW).toBeCloseTo(39_000, 6);
  });

  it('is at risk when the projection leaves the budget, though still under the allowed energy', () => {
    const b = windowBudget(input({ powerNowW: 40_000 })); // 3 + 6.67 = 9.67 kWh > 9.5
    expect(b.status).toBe('at_risk');
    expect(b.projectedWh).toBeCloseTo(9_666.67, 1);
    expect(b.reason).toContain('above the budget');
  });

  it('integrates a limit that steps inside the window (an emergency at minute 10)', () => {
    const b = windowBudget(input({ segments: [seg(0, 10, 40, 'day_ahead_assignment'), seg(10, 15, 10, 'emergency')] }));
    // 40 kW × 10 min + 10 kW × 5 min = 6.667 + 0.833 = 7.5 kWh; budget 7.125 kWh; projection 9 kWh.
    expect(b.allowedWh).toBeCloseTo(7_500, 6);
    expect(b.status).toBe('at_risk');
    expect(b.headroomW).toBeCloseTo(((7_125 - 3_000) * 60) / 10, 6);
  });

  it('reports a window already lost as breached, and never a negative headroom', () => {
    const b = windowBudget(input({ nowMs: 14 * MIN, latestReading: { atMs: 14 * MIN, energyWh: 110_500 } }));
    expect(b.status).toBe('breached');
    expect(b.usedWh).toBe(10_500);
    expect(b.headroomW).toBe(0);
  });

  it('is unknown without a reading at the window start or with a stale meter, never ok', () => {
    expect(windowBudget(input({ startReading: undefined })).status).toBe('unknown');
    const stale = windowBudget(input({ meterAgeMs: 121_000, powerNowW: 0 }));
    expect(stale.status).toBe('unknown');
    expect(stale.reason).toContain('121 s old');
    expect(stale.usedWh).toBeUndefined();
    // Nothing charging: no meter age, the window can be judged.
    expect(windowBudget(input({ meterAgeMs: undefined, powerNowW: 0 })).status).toBe('ok');
  });

  it('measures from the start reading when no newer one exists yet, and clamps a register going backwards', () => {
    const fresh = windowBudget(input({ nowMs: 30_000, latestReading: undefined, powerNowW: 30_000 }));
    expect(fresh.usedWh).toBe(0);
    expect(fresh.projectedWh).toBeCloseTo(7_500, 6); // 30 kW × 15 min
    const backwards = windowBudget(input({ latestReading: { atMs: 5 * MIN, energyWh: 99_000 } }));
    expect(backwards.usedWh).toBe(0);
  });

  it('has no headroom figure once the window is over', () => {
    expect(windowBudget(input({ nowMs: 15 * MIN, latestReading: { atMs: 15 * MIN, energyWh: 105_000 } })).headroomW).toBeUndefined();
  });

  it('picks the reading nearest the window start within the tolerance only', () => {
    const readings = [{ atMs: -70_000, energyWh: 1 }, { atMs: 20_000, energyWh: 2 }, { atMs: -10_000, energyWh: 3 }];
    expect(readingAt(readings, 0, 31_000)?.energyWh).toBe(3);
    expect(readingAt(readings.slice(0, 1), 0, 31_000)).toBeUndefined();
    expect(readingAt([], 0, 31_000)).toBeUndefined();
  });
});
