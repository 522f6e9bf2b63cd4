import { availablePowerW, availableSegments, pvCreditW, type PvReading } from './available-power.js';
import type { LimitSegment } from './types.js';

const MIN = 60_000;
const steady = (now: number, w: number, spanMin = 5): PvReading[] => Array.from({ length: spanMin * 2 + 1 }, (_, i) => ({ atMs: now - i * 30_000, acPowerW: w, fault: false }));

describe('pvCreditW: conservative solar credit', () => {
  const now = 10 * MIN;
  const cfg = { behindGroupMeter: true };

  it('is the minimum of the last 5 min, derated by 10 %', () => {
    const readings = steady(now, 20_000);
    readings[3] = { ...readings[3], acPowerW: 12_000 };
    expect(pvCreditW(readings, now, now, cfg)).toBeCloseTo(10_800, 6);
  });

  it('is zero unless PV is behind the group meter measured as net import', () => {
    expect(pvCreditW(steady(now, 20_000), now, now, { behindGroupMeter: false })).toBe(0);
  });

  it('is zero for stale, faulty, too-short or absent data, and for future periods', () => {
    expect(pvCreditW(steady(now - 3 * MIN, 20_000), now, now, cfg)).toBe(0);
    const faulty = steady(now, 20_000);
    faulty[0] = { ...faulty[0], fault: true };
    expect(pvCreditW(faulty, now, now, cfg)).toBe(0);
    expect(pvCreditW(steady(now, 20_000, 1), now, now, cfg)).toBe(0);
    expect(pvCreditW([], now, now, cfg)).toBe(0);
    expect(pvCreditW(steady(now, 20_000), now, now + 1, cfg)).toBe(0);
  });

  it('drops at once when output falls (asymmetric reaction)', () => {
    const readings = [{ atMs: now, acPowerW: 1000, fault: false }, ...steady(now - 30_000, 20_000)];
    expect(pvCreditW(readings, now, now, cfg)).toBeCloseTo(900, 6);
  });
});

describe('available power A(t)', () => {
  it('is (1 − m)·L − U + PV_c and may go negative', () => {
    expect(availablePowerW(100_000, { marginFraction: 0.05, uncontrolledW: 10_000, pvCreditW: 3_000 })).toBeCloseTo(88_000, 6);
    expect(availablePowerW(0, { marginFraction: 0.05, uncontrolledW: 2_000, pvCreditW: 0 })).toBe(-2_000);
  });

  it('credits PV to the current period only', () => {
    const segs: LimitSegment[] = [
      { startMs: 0, endMs: 60 * MIN, powerW: 100_000, source: { kind: 'contract' } },
      { startMs: 60 * MIN, endMs: 120 * MIN, powerW: 50_000, source: { kind: 'emergency', requestId: 'e1' } },
    ];
    const out = availableSegments(segs, 30 * MIN, { marginFraction: 0, uncontrolledW: 0, pvCreditW: 5_000 });
    expect(out).toEqual([
      { startMs: 30 * MIN, endMs: 60 * MIN, availableW: 105_000, limitW: 100_000, source: { kind: 'contract' } },
      { startMs: 60 * MIN, endMs: 120 * MIN, availableW: 50_000, limitW: 50_000, source: { kind: 'emergency', requestId: 'e1' } },
    ]);
    expect(availableSegments(segs, 120 * MIN, { marginFraction: 0, uncontrolledW: 0, pvCreditW: 0 })).toEqual([]);
  });
});
