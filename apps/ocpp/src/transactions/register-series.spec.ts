import { deliveredWh } from './transaction.repository.js';
import { keptRegisters, mainRegisters, runningDeliveredWh, seriesDeliveredWh, type RegisterReading } from './register-series.js';
import type { StoredSample } from './transaction.repository.js';

/** Readings one minute apart, in arrival order. */
function timed(...wh: number[]): RegisterReading[] {
  return wh.map((registerWh, i) => ({ registerWh, sampledAtMs: Date.UTC(2026, 0, 1, 10, i) }));
}

describe('seriesDeliveredWh: the energy of a session over its register series', () => {
  it('without readings in between is deliveredWh(meterStart, meterStop), restarts and slack included', () => {
    for (const [start, stop] of [
      [100_000, 104_200],
      [100_000, 99_500],
      [100_000, 4_200],
      [100_000, -5],
      [500, 200],
      [0, 0],
      [-500, 100],
    ] as const) {
      expect(seriesDeliveredWh(start, [], stop)).toBe(deliveredWh(start, stop));
    }
  });

  it('counts the energy before a restart: 10 kWh, restart to 0, then 4.2 kWh', () => {
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 110_000, 0, 2_000)), 4_200)).toBe(14_200);
  });

  it('counts each segment of two restarts from zero', () => {
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 0, 3_000, 0, 1_000)), 1_500)).toBe(5_000 + 3_000 + 1_500);
  });

  it('a reading within the slack below adds nothing and does not lower the mark the next reading counts from', () => {
    // 104,400 is 105,000 rounded down (a kWh register): 105,600 delivered 600 since 105,000, not 1,200.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 104_400, 105_600, 0)), 1_000)).toBe(5_600 + 1_000);
  });

  it('a reading that arrives after a later-stamped one is ignored: no false restart from a late sample', () => {
    const late = [...timed(105_000, 110_000, 0, 2_000)];
    // 108,000 stamped before 110,000 but arriving after the restart's 0: read in arrival order it would
    // look like a climb (+108,000 counted from the restart) then a restart again.
    late.splice(3, 0, { registerWh: 108_000, sampledAtMs: Date.UTC(2026, 0, 1, 10, 1, 30) });
    expect(keptRegisters(late)).toEqual([105_000, 110_000, 0, 2_000]);
    expect(seriesDeliveredWh(100_000, keptRegisters(late), 4_200)).toBe(14_200);
  });

  it('a reading far below that the register climbs back above is a glitch, not a restart: the lifetime register is not billed', () => {
    // A failed meter poll read 0 (or -1) between 105,000 and 110,000; the stop reads 0 (a charger that could not read its meter).
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 0, 110_000)), 0)).toBe(10_000);
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, -1, 110_000, 112_000)), 0)).toBe(12_000);
    expect(runningDeliveredWh(100_000, timed(105_000, 0, 110_000, 0))).toBe(10_000);
    // A later segment passing an earlier segment's few kWh is a restart still, not a misread.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 0, 3_000, 0, 3_500)), 1_500)).toBe(5_000 + 3_000 + 3_500 + 1_500);
  });

  it('a reading far above that the register falls back below is a misread, not a rise then a restart: neither it nor the lifetime register is billed', () => {
    // 0xFFFFFFFF from a failed poll between 105,000 and 110,000, then a real restart.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 4_294_967_295, 110_000, 0, 2_000)), 4_200)).toBe(10_000 + 4_200);
    expect(runningDeliveredWh(100_000, timed(105_000, 4_294_967_295, 110_000, 0, 2_000))).toBe(10_000 + 2_000);
  });

  it("a far drop that stays at the session's own level (above meterStart less the slack) is a misread, never a restart billing the lifetime register", () => {
    const high = 4_294_967_295;
    // A stale register (101,000, from early in the session) as the last reading before a stop that reads 0.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 110_000, 101_000)), 0)).toBe(1_000);
    // Two misreads in a row: a failed poll's 0, then its 0xFFFFFFFF.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 0, high, 110_000)), 0)).toBe(10_000);
    expect(runningDeliveredWh(100_000, timed(105_000, 0, high, 110_000, 0))).toBe(10_000);
    // Two different spikes, and a spike falling back below where the latest rise rose from.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, high - 1, high, 110_000)), 0)).toBe(10_000);
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 110_000, high, 105_500)), 0)).toBe(5_500);
    // After a restart, a reading back at meterStart (not near the level it dropped from) is no climb of the restarted meter.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(105_000, 0, 2_000, 100_000)), 4_200)).toBe(5_000 + 4_200);
  });

  it('a register at or above meterStart at the stop is no restart: session-relative MeterValues beside absolute meterStart/Stop are not billed twice', () => {
    // Firmware reporting the session's energy in MeterValues but the lifetime register at start and stop.
    expect(seriesDeliveredWh(100_000, keptRegisters(timed(500, 5_000, 9_000)), 110_000)).toBe(10_000);
  });
});

describe('runningDeliveredWh: the energy so far of a running session', () => {
  it('is null before a reading, deliveredWh of the latest one without a restart, the series with one', () => {
    expect(runningDeliveredWh(100_000, [])).toBeNull();
    expect(runningDeliveredWh(100_000, timed(103_000))).toBe(3_000);
    expect(runningDeliveredWh(100_000, timed(105_000, 110_000, 0, 2_000))).toBe(12_000);
  });
});

describe('mainRegisters: the register readings of a stored reading, by the view\'s rule (sessionRegistersSql)', () => {
  it("rounds to Wh as the SQL's round(float8) does (half to even): a transactionData sample repeating a stored one is no increment", () => {
    const at = '2026-01-01T10:00:00.000Z';
    const samples = ([[12.3445, 'kWh'], [0.0005, 'kWh'], [100.5, 'Wh'], [101.5, 'Wh'], [-2.5, 'Wh']] as const).map(([value, unit]) => ({ measurand: 'Energy.Active.Import.Register', value, rawValue: String(value), unit, format: 'Raw' }));
    const reading = { stationId: 'CP', connectorId: 1, transactionId: 1, sampledAt: at, samples, sampleCount: samples.length };
    // PostgreSQL: round('12.3445'::float8 * 1000) = 12344, round(0.0005 * 1000) = 0, round(100.5) = 100, round(101.5) = 102, round(-2.5) = -2.
    expect(mainRegisters(reading).map((r) => r.registerWh)).toEqual([12_344, 0, 100, 102, -2]);
  });

  it('keeps Energy.Active.Import.Register at the Outlet or no location, no phase, Wh or kWh, numeric; in Wh', () => {
    const sample = (s: Partial<StoredSample>): StoredSample => ({ measurand: 'Energy.Active.Import.Register', value: 1, rawValue: '1', unit: 'Wh', format: 'Raw', ...s });
    const samples = [
      sample({ value: 105_000 }),
      sample({ value: 105.2, unit: 'kWh', location: 'Outlet' }),
      sample({ value: 9, location: 'Inlet' }),
      sample({ value: 9, phase: 'L1' }),
      sample({ value: 9, unit: 'varh' }),
      sample({ value: null, rawValue: 'n/a' }),
      sample({ value: 1e300 }),
      sample({ measurand: 'Power.Active.Import', value: 9, unit: 'W' }),
    ];
    const at = '2026-01-01T10:00:00.000Z';
    const reading = { stationId: 'CP', connectorId: 1, transactionId: 1, sampledAt: at, samples, sampleCount: samples.length };
    expect(mainRegisters(reading)).toEqual([
      { registerWh: 105_000, sampledAtMs: Date.parse(at) },
      { registerWh: 105_200, sampledAtMs: Date.parse(at) },
    ]);
  });
});
