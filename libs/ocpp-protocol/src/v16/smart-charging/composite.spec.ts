/**
 * Worked examples for the composite: each expectation is derived by hand from the rules in
 * ocpp16.md §2.6 (OCPP 1.6 §3.13); the comments show the reasoning. Station: 230 V, 3 phases, 32 A.
 */
import { compositeSchedule, limitAt } from './composite.js';
import type { ChargingProfile, ChargingSchedulePeriod, CompositeScheduleInput, InstalledProfile } from './types.js';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const iso = (s: number): string => at(s).toISOString();

let nextId = 1;
function installed(connectorId: number, p: Partial<ChargingProfile> & { periods: ChargingSchedulePeriod[]; duration?: number; start?: string; unit?: 'A' | 'W' }): InstalledProfile {
  const { periods, duration, start, unit, ...rest } = p;
  return {
    connectorId,
    profile: {
      chargingProfileId: nextId++,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...rest,
      chargingSchedule: {
        chargingRateUnit: unit ?? 'A',
        chargingSchedulePeriod: periods,
        ...(duration === undefined ? {} : { duration }),
        ...(rest.chargingProfileKind === 'Relative' ? {} : { startSchedule: start ?? T0.toISOString() }),
      },
    },
  };
}
const flat = (limit: number, numberPhases?: number): ChargingSchedulePeriod[] => [{ startPeriod: 0, limit, ...(numberPhases ? { numberPhases } : {}) }];

function input(profiles: InstalledProfile[], over: Partial<CompositeScheduleInput> = {}): CompositeScheduleInput {
  return { profiles, connectorId: 1, from: T0, durationS: 7200, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 }, ...over };
}
/** [startPeriod, limit] pairs (numberPhases checked separately where it matters). */
const periods = (i: CompositeScheduleInput): [number, number][] =>
  compositeSchedule(i).chargingSchedule.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]);

describe('compositeSchedule: layers', () => {
  it('without profiles reports the hardware maximum, in A or W', () => {
    expect(compositeSchedule(input([]))).toEqual({
      connectorId: 1,
      scheduleStart: '2025-01-01T00:00:00.000Z',
      chargingSchedule: {
        duration: 7200,
        startSchedule: '2025-01-01T00:00:00.000Z',
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 32, numberPhases: 3 }],
      },
    });
    // 32 A × 230 V × 3 phases = 22080 W
    expect(periods(input([], { unit: 'W' }))).toEqual([[0, 22080]]);
  });

  // ChargePointMax: 20 A, then 10 A from 3600 s. TxDefault (connector 0): 16 A, then 25 A from 1800 s.
  const cap = installed(0, { chargingProfilePurpose: 'ChargePointMaxProfile', periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 3600, limit: 10 }] });
  const txDefault = installed(0, { periods: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1800, limit: 25 }] });

  it('takes the minimum of ChargePointMaxProfile and TxDefaultProfile per interval', () => {
    // 0–1800: min(20, 16) = 16; 1800–3600: min(20, 25) = 20; 3600–7200: min(10, 25) = 10
    expect(periods(input([cap, txDefault]))).toEqual([[0, 16], [1800, 20], [3600, 10]]);
    expect(limitAt(input([cap, txDefault]), at(100))).toEqual({ limit: 16, unit: 'A', numberPhases: 3, source: 'TxDefaultProfile' });
    expect(limitAt(input([cap, txDefault]), at(1900))).toEqual({ limit: 20, unit: 'A', numberPhases: 3, source: 'ChargePointMaxProfile' });
  });

  it('reports only the ChargePointMaxProfile for connector 0', () => {
    // The connector-0 TxDefault is a per-connector default, not a station cap: 20 then 10.
    expect(periods(input([cap, txDefault], { connectorId: 0 }))).toEqual([[0, 20], [3600, 10]]);
  });

  it('lets a connector-n TxDefaultProfile replace connector 0’s for that connector only', () => {
    const all = installed(0, { periods: flat(10) });
    const one = installed(1, { periods: flat(20) });
    expect(periods(input([all, one], { connectorId: 1 }))).toEqual([[0, 20]]);
    expect(periods(input([all, one], { connectorId: 2 }))).toEqual([[0, 10]]);
  });

  it('caps at the hardware maximum', () => {
    // 63 A requested, the station is rated 32 A.
    expect(limitAt(input([installed(1, { periods: flat(63) })]), T0)).toEqual({ limit: 32, unit: 'A', numberPhases: 3, source: 'hardware' });
  });
});

describe('compositeSchedule: stack levels', () => {
  const base = installed(1, { stackLevel: 0, periods: flat(10) });

  it('a finite higher level falls back to the lower one after its duration', () => {
    const lease = installed(1, { stackLevel: 1, periods: flat(20), duration: 3600 });
    // Level 1 covers 0–3600 (20 A); then only level 0 covers: 10 A.
    expect(periods(input([base, lease]))).toEqual([[0, 20], [3600, 10]]);
  });

  it('a higher level without duration never falls back', () => {
    const top = installed(1, { stackLevel: 1, periods: flat(20) });
    expect(periods(input([base, top]))).toEqual([[0, 20]]);
  });

  it('a higher level starting later takes over only while it covers', () => {
    const later = installed(1, { stackLevel: 2, periods: flat(6), start: iso(1800), duration: 1800 });
    // 0–1800 level 0 (10); 1800–3600 level 2 (6); 3600– level 0 again (10)
    expect(periods(input([base, later]))).toEqual([[0, 10], [1800, 6], [3600, 10]]);
  });

  it('higher wins even with a higher limit', () => {
    const higher = installed(1, { stackLevel: 1, periods: flat(25) });
    expect(limitAt(input([base, higher]), T0).limit).toBe(25);
  });
});

describe('compositeSchedule: TxProfile', () => {
  const txDefault = installed(1, { periods: flat(16) });
  const tx = installed(1, { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', periods: flat(8), transactionId: 42 });

  it('overrides the TxDefaultProfile only while a transaction runs', () => {
    expect(limitAt(input([txDefault, tx], { transaction: { startedAt: T0, transactionId: 42 } }), at(60))).toMatchObject({ limit: 8, source: 'TxProfile' });
    // No transaction → the TxProfile is ignored (the store would have removed it anyway).
    expect(limitAt(input([txDefault, tx]), at(60))).toMatchObject({ limit: 16, source: 'TxDefaultProfile' });
  });

  it('ignores a TxProfile pinned to another transaction', () => {
    expect(limitAt(input([txDefault, tx], { transaction: { startedAt: T0, transactionId: 43 } }), at(60)).limit).toBe(16);
  });

  it('hands over to the TxDefaultProfile when its duration ends', () => {
    const short = installed(1, { chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', periods: flat(8), duration: 600 });
    // Relative to the transaction start T0: 8 A for 600 s, then TxDefault 16 A.
    expect(periods(input([txDefault, short], { durationS: 1200, transaction: { startedAt: T0 } }))).toEqual([[0, 8], [600, 16]]);
  });
});

describe('compositeSchedule: validity, duration', () => {
  it('applies a profile only within [validFrom, validTo)', () => {
    const base = installed(1, { periods: flat(16) });
    const window = installed(1, { stackLevel: 1, periods: flat(6), validFrom: iso(600), validTo: iso(1200) });
    // Level 1 started at T0 but is valid only 600–1200.
    expect(periods(input([base, window], { durationS: 1800 }))).toEqual([[0, 16], [600, 6], [1200, 16]]);
  });

  it('ignores periods beyond a shorter duration', () => {
    const p = installed(1, { periods: [{ startPeriod: 0, limit: 10 }, { startPeriod: 1800, limit: 20 }, { startPeriod: 3600, limit: 30 }], duration: 2700 });
    // 10 until 1800, 20 until the duration ends at 2700, then hardware 32; the 3600 s period never starts.
    expect(periods(input([p], { durationS: 4000 }))).toEqual([[0, 10], [1800, 20], [2700, 32]]);
  });

  it('holds the last period until a longer duration ends', () => {
    const p = installed(1, { periods: [{ startPeriod: 0, limit: 10 }, { startPeriod: 600, limit: 20 }], duration: 1800 });
    expect(periods(input([p], { durationS: 2400 }))).toEqual([[0, 10], [600, 20], [1800, 32]]);
  });

  it('merges consecutive equal periods and reports sub-second changes from the next whole second', () => {
    const p = installed(1, { periods: [{ startPeriod: 0, limit: 10 }, { startPeriod: 600, limit: 10 }, { startPeriod: 1200, limit: 6 }] });
    expect(periods(input([p], { durationS: 1800 }))).toEqual([[0, 10], [1200, 6]]);
    const late = installed(1, { stackLevel: 1, periods: flat(6), validFrom: '2025-01-01T00:10:00.500Z' });
    // valid from 600.5 s → first whole second at which it applies is 601.
    expect(periods(input([p, late], { durationS: 1800 }))).toEqual([[0, 10], [601, 6]]);
  });
});

describe('compositeSchedule: A ↔ W', () => {
  const asA = (p: InstalledProfile, phases: 1 | 3 = 3): unknown =>
    compositeSchedule(input([p], { durationS: 60, electrical: { voltageV: 230, phases, maxCurrentA: 32 } })).chargingSchedule.chargingSchedulePeriod;
  const asW = (p: InstalledProfile, phases: 1 | 3 = 3): unknown =>
    compositeSchedule(input([p], { durationS: 60, unit: 'W', electrical: { voltageV: 230, phases, maxCurrentA: 32 } })).chargingSchedule.chargingSchedulePeriod;

  it('converts W to A with 3 phases (default) and 1 phase', () => {
    // 11040 W / (230 V × 3) = 16 A
    expect(asA(installed(1, { unit: 'W', periods: flat(11040) }))).toEqual([{ startPeriod: 0, limit: 16, numberPhases: 3 }]);
    // 3680 W / (230 V × 1) = 16 A on one phase
    expect(asA(installed(1, { unit: 'W', periods: flat(3680, 1) }))).toEqual([{ startPeriod: 0, limit: 16, numberPhases: 1 }]);
    // 10000 W / 690 = 14.4927… → 14.5 (one decimal)
    expect(asA(installed(1, { unit: 'W', periods: flat(10000) }))).toEqual([{ startPeriod: 0, limit: 14.5, numberPhases: 3 }]);
  });

  it('converts A to W with 3 and 1 phases, capping phases by the station', () => {
    expect(asW(installed(1, { periods: flat(16) }))).toEqual([{ startPeriod: 0, limit: 11040, numberPhases: 3 }]); // 16 × 230 × 3
    expect(asW(installed(1, { periods: flat(16, 1) }))).toEqual([{ startPeriod: 0, limit: 3680, numberPhases: 1 }]); // 16 × 230 × 1
    // A 3-phase profile on a 1-phase station: 16 × 230 × 1 = 3680 W
    expect(asW(installed(1, { periods: flat(16) }), 1)).toEqual([{ startPeriod: 0, limit: 3680, numberPhases: 1 }]);
  });

  it('compares layers in the requested unit', () => {
    const capW = installed(0, { chargingProfilePurpose: 'ChargePointMaxProfile', unit: 'W', periods: flat(7000) });
    const txA = installed(1, { periods: flat(16) });
    // In A: cap 7000 / 690 = 10.14… → 10.1 < 16. In W: cap 7000 < 16 × 690 = 11040.
    expect(limitAt(input([capW, txA]), T0)).toEqual({ limit: 10.1, unit: 'A', numberPhases: 3, source: 'ChargePointMaxProfile' });
    expect(limitAt(input([capW, txA], { unit: 'W' }), T0)).toEqual({ limit: 7000, unit: 'W', numberPhases: 3, source: 'ChargePointMaxProfile' });
    // A 1-phase TxDefault under the cap: 16 × 230 × 1 = 3680 W < 7000 W, charged on 1 phase.
    const txA1 = installed(1, { periods: flat(16, 1) });
    expect(limitAt(input([capW, txA1], { unit: 'W' }), T0)).toEqual({ limit: 3680, unit: 'W', numberPhases: 1, source: 'TxDefaultProfile' });
  });
});
