import { allowedWh, judgeWindow, registerDelta, windowStartOf } from './windows.js';

const MIN = 60_000;
const seg = (startMin: number, endMin: number, kw: number) => ({ startMs: startMin * MIN, endMs: endMin * MIN, powerW: kw * 1000, source: { kind: 'contract' as const } });

describe('compliance windows', () => {
  it('integrates a limit that steps inside the window', () => {
    // 10 min at 60 kW + 5 min at 20 kW = 10 kWh + 1.667 kWh.
    expect(allowedWh([seg(0, 10, 60), seg(10, 60, 20)], 0, 15 * MIN)).toBeCloseTo(11_666.67, 1);
    expect(allowedWh([seg(0, 60, 60)], 30 * MIN, 45 * MIN)).toBe(15_000);
  });

  it('never counts a register going backwards, and takes the first reading as the baseline', () => {
    expect(registerDelta(undefined, 5_000)).toBe(0);
    expect(registerDelta(5_000, 5_600)).toBe(600);
    expect(registerDelta(5_600, 20)).toBe(0);
  });

  it('takes a register not seen for longer than the gap as a new baseline (connector moved or re-added)', () => {
    expect(registerDelta(5_000, 5_600, { seenAtMs: 0, nowMs: MIN, maxGapMs: 2 * MIN })).toBe(600);
    expect(registerDelta(5_000, 95_000, { seenAtMs: 0, nowMs: 60 * MIN, maxGapMs: 2 * MIN })).toBe(0);
    expect(registerDelta(5_000, 5_600, { seenAtMs: undefined, nowMs: MIN, maxGapMs: 2 * MIN })).toBe(0);
  });

  it('aligns windows to the quarter hour', () => {
    expect(new Date(windowStartOf(Date.parse('2026-12-04T05:22:10Z'), 15 * MIN)).toISOString()).toBe('2026-12-04T05:15:00.000Z');
  });

  it('judges a window from its edge readings, and leaves it open without them', () => {
    const limit = [seg(0, 60, 40)]; // 40 kW: 10 kWh per quarter hour
    const readings = [0, 5, 10, 15].map((m) => ({ atMs: m * MIN, energyWh: m * 700 })); // 42 kW
    expect(judgeWindow(readings, limit, 0, 15 * MIN, 30_000)).toMatchObject({ allowedWh: 10_000, measuredWh: 10_500, compliant: false });
    const under = readings.map((r) => ({ ...r, energyWh: r.energyWh / 2 }));
    expect(judgeWindow(under, limit, 0, 15 * MIN, 30_000)).toMatchObject({ measuredWh: 5_250, compliant: true });
    const verdict = judgeWindow(readings.slice(0, 3), limit, 0, 15 * MIN, 30_000);
    expect(verdict.compliant).toBeUndefined();
    expect(verdict.measuredWh).toBeUndefined();
    // A session register 3 min old at the end edge: its energy would land in a later window.
    const stale = readings.map((r) => (r.atMs === 15 * MIN ? { ...r, meterAgeMs: 3 * MIN } : r));
    expect(judgeWindow(stale, limit, 0, 15 * MIN, 30_000, 2 * MIN).compliant).toBeUndefined();
    expect(judgeWindow(stale, limit, 0, 15 * MIN, 30_000).compliant).toBe(false);
    // Readings 20 s off the edges are scaled to the window.
    const off = [{ atMs: 20_000, energyWh: 0 }, { atMs: 15 * MIN - 20_000, energyWh: 9_000 }];
    expect(judgeWindow(off, limit, 0, 15 * MIN, 30_000).measuredWh).toBeCloseTo(9_000 * (900 / 860), 6);
  });
});
