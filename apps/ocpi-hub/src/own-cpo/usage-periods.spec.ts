import type { OcppMeterSampled } from '@cpo/contracts';
import { currentA, usagePeriods } from './usage-periods.js';

describe('usage periods of an own session', () => {
  const start = { at: '2025-06-18T10:00:00Z', wh: 1000 };
  const stop = { at: '2025-06-18T11:00:00Z', wh: 31_000 };

  it('makes one period per reading, each with the register growth and its current', () => {
    expect(usagePeriods(start, [{ at: '2025-06-18T10:30:00Z', wh: 21_000, currentA: 32 }], stop)).toEqual([
      { end: '2025-06-18T10:30:00Z', kwh: 20, currentA: 32 },
      { end: '2025-06-18T11:00:00Z', kwh: 10 },
    ]);
  });

  it('leaves out readings outside the session, out of order or going backwards', () => {
    const readings = [
      { at: '2025-06-18T10:40:00Z', wh: 25_000 },
      { at: '2025-06-18T09:59:00Z', wh: 500 },
      { at: '2025-06-18T10:20:00Z', wh: 11_000 },
      { at: '2025-06-18T10:50:00Z', wh: 20_000 },
      { at: '2025-06-18T11:05:00Z', wh: 40_000 },
    ];
    expect(usagePeriods(start, readings, stop)).toEqual([
      { end: '2025-06-18T10:20:00Z', kwh: 10 },
      { end: '2025-06-18T10:40:00Z', kwh: 14 },
      { end: '2025-06-18T11:00:00Z', kwh: 6 },
    ]);
  });

  it('marks a period without energy as parking: at once with a current below 1 A, after 5 min without a current', () => {
    const readings = [
      { at: '2025-06-18T10:20:00Z', wh: 21_000, currentA: 45 },
      { at: '2025-06-18T10:21:00Z', wh: 21_000, currentA: 0.2 }, // full battery, still plugged in
      { at: '2025-06-18T10:22:00Z', wh: 21_000, currentA: 16 }, // no energy yet, but drawing: charging
      { at: '2025-06-18T10:23:00Z', wh: 21_000 }, // one quiet minute without a current: not enough to tell
      { at: '2025-06-18T10:30:00Z', wh: 21_000 }, // seven minutes without energy: parking
    ];
    expect(usagePeriods(start, readings, { at: '2025-06-18T11:00:00Z', wh: 31_000 })).toEqual([
      { end: '2025-06-18T10:20:00Z', kwh: 20, currentA: 45 },
      { end: '2025-06-18T10:21:00Z', kwh: 0, currentA: 0.2, parking: true },
      { end: '2025-06-18T10:22:00Z', kwh: 0, currentA: 16 },
      { end: '2025-06-18T10:23:00Z', kwh: 0 },
      { end: '2025-06-18T10:30:00Z', kwh: 0, parking: true },
      { end: '2025-06-18T11:00:00Z', kwh: 10 },
    ]);
  });

  it('without readings: one period from start to stop', () => {
    expect(usagePeriods(start, [], stop)).toEqual([{ end: '2025-06-18T11:00:00Z', kwh: 30 }]);
  });

  it('sums the phase currents, else takes the phase-less one', () => {
    const sampled = (samples: OcppMeterSampled['samples']): OcppMeterSampled => ({ stationId: 'S', connectorId: 1, timestamp: '2025-06-18T10:00:00Z', samples });
    expect(currentA(sampled([{ measurand: 'Current.Import', value: 16, unit: 'A', phase: 'L1' }, { measurand: 'Current.Import', value: 15, unit: 'A', phase: 'L2' }, { measurand: 'Current.Import', value: 14, unit: 'A', phase: 'L3' }]))).toBe(45);
    expect(currentA(sampled([{ measurand: 'Current.Import', value: 30, unit: 'A' }]))).toBe(30);
    expect(currentA(sampled([{ measurand: 'Energy.Active.Import.Register', value: 30, unit: 'Wh' }]))).toBeUndefined();
  });
});
