import type { OcppMeterSampled } from '@cpo/contracts';
import { currentA, settledEnergy, usagePeriods } from './usage-periods.js';

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

  describe("settled with ocpp's energy (energyWh on the stop)", () => {
    const sum = (periods: { kwh: number }[]) => Math.round(periods.reduce((total, p) => total + p.kwh, 0) * 1000) / 1000;

    it("takes ocpp's figure, counted from the register it implies: 0 for a meter that restarted", () => {
      expect(settledEnergy(50_000, { meterStopWh: 4_200, energyWh: 4_200 })).toEqual({ wh: 4_200, fromWh: 0 });
      expect(settledEnergy(1_000, { meterStopWh: 31_000, energyWh: 30_000 })).toEqual({ wh: 30_000, fromWh: 1_000 });
      // A register a little below the start (a rounding): nothing delivered, as ocpp says.
      expect(settledEnergy(50_000, { meterStopWh: 49_600, energyWh: 0 })).toEqual({ wh: 0, fromWh: 49_600 });
    });

    it('without it (an older ocpp), keeps the rule of the registers: their growth, never negative', () => {
      expect(settledEnergy(50_000, { meterStopWh: 4_200 })).toEqual({ wh: 0, fromWh: 50_000 });
      expect(settledEnergy(1_000, { meterStopWh: 31_000 })).toEqual({ wh: 30_000, fromWh: 1_000 });
    });

    it("a restarted meter's periods sum to ocpp's energy: readings before the restart are left out, those after it count from zero", () => {
      const settled = settledEnergy(50_000, { meterStopWh: 4_200, energyWh: 4_200 });
      const readings = [
        { at: '2025-06-18T10:10:00Z', wh: 51_000 },
        { at: '2025-06-18T10:20:00Z', wh: 52_000 },
        { at: '2025-06-18T10:30:00Z', wh: 500 }, // the meter restarted
        { at: '2025-06-18T10:45:00Z', wh: 2_000 },
      ];
      const periods = usagePeriods({ at: start.at, wh: settled.fromWh }, readings, { at: stop.at, wh: 4_200 });
      expect(periods).toEqual([
        { end: '2025-06-18T10:30:00Z', kwh: 0.5 },
        { end: '2025-06-18T10:45:00Z', kwh: 1.5 },
        { end: '2025-06-18T11:00:00Z', kwh: 2.2 },
      ]);
      expect(sum(periods)).toBe(settled.wh / 1000);
    });
  });
});
