import { validateRequest16 } from '@cpo/ocpp-protocol';
import { buildLeaseFallback, buildProfile, endingAtValidUntil, forRunningTransaction, roundDown } from './profile-builder.js';

const now = new Date('2026-11-23T06:00:00.000Z');

describe('buildProfile', () => {
  it('connector 0 becomes the station ChargePointMaxProfile under id 1, started a minute in the past', () => {
    const built = buildProfile(
      { connectorId: 0, schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 32 }] } },
      {},
      now,
    );
    expect(built.profile).toMatchObject({ chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute' });
    expect(built.profile.chargingSchedule.startSchedule).toBe('2026-11-23T05:59:00.000Z');
    expect(validateRequest16('SetChargingProfile', { connectorId: 0, csChargingProfiles: built.profile }).ok).toBe(true);
  });

  it('drops elapsed periods and shifts the rest so the limits keep their wall-clock times', () => {
    const built = buildProfile(
      {
        connectorId: 2,
        schedule: {
          startSchedule: '2026-11-23T05:00:00.000Z',
          durationS: 4 * 3600,
          chargingRateUnit: 'A',
          periods: [
            { startPeriodS: 0, limit: 32 },
            { startPeriodS: 1800, limit: 16.25 },
            { startPeriodS: 7200, limit: 8 },
          ],
        },
      },
      { chargeProfileMaxStackLevel: 3 },
      now,
    );
    expect(built.profile.chargingProfileId).toBe(102);
    expect(built.profile.stackLevel).toBe(1);
    // 05:59 is 3540 s after 05:00: the 16.25 A period (from 05:30) is active; the 8 A one starts at 07:00 = 3660 s later.
    expect(built.profile.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16.2 },
      { startPeriod: 3660, limit: 8 },
    ]);
    expect(built.profile.chargingSchedule.duration).toBe(4 * 3600 - 3540);
  });

  it('keeps the plan\'s second grid when re-anchoring a start with milliseconds, so no step switches late', () => {
    const built = buildProfile(
      { connectorId: 1, schedule: { startSchedule: '2026-11-23T05:00:00.500Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 32 }, { startPeriodS: 3600, limit: 6 }] } },
      {},
      now,
    );
    const schedule = built.profile.chargingSchedule;
    const step = Date.parse(schedule.startSchedule!) + schedule.chargingSchedulePeriod[1].startPeriod * 1000;
    expect(new Date(step).toISOString()).toBe('2026-11-23T06:00:00.500Z');
  });

  it('restarts a plan that began less than a minute ago a minute before now, its later steps and end at their times', () => {
    const built = buildProfile(
      {
        connectorId: 1,
        schedule: { startSchedule: '2026-11-23T06:00:00.000Z', durationS: 3600, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 600, limit: 8 }] },
      },
      {},
      now,
    );
    const schedule = built.profile.chargingSchedule;
    expect(schedule.startSchedule).toBe('2026-11-23T05:59:00.000Z');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16 },
      { startPeriod: 660, limit: 8 },
    ]);
    expect(schedule.duration).toBe(3660);
    // On the plan's second grid: begun 29.5 s ago → restarted 31 s earlier, not after now − 60 s.
    const ms = buildProfile({ connectorId: 1, schedule: { startSchedule: '2026-11-23T05:59:30.500Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 90, limit: 8 }] } }, {}, now);
    expect(ms.profile.chargingSchedule.startSchedule).toBe('2026-11-23T05:58:59.500Z');
    expect(ms.profile.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16 },
      { startPeriod: 121, limit: 8 },
    ]);
  });

  it('restarts a plan starting less than a minute ahead (a planner clock ahead of ours) a minute before now: no gap without a limit until its start', () => {
    const built = buildProfile(
      { connectorId: 0, schedule: { startSchedule: '2026-11-23T06:00:00.500Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 40 }, { startPeriodS: 600, limit: 20 }] } },
      {},
      now,
    );
    const schedule = built.profile.chargingSchedule;
    expect(Date.parse(schedule.startSchedule!)).toBeLessThanOrEqual(now.getTime() - 60_000);
    // On the plan's second grid, its later step at its wall-clock time (06:10:00.5).
    expect(schedule.startSchedule).toBe('2026-11-23T05:58:59.500Z');
    expect(schedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 40 },
      { startPeriod: 661, limit: 20 },
    ]);
  });

  it('keeps a future start as planned (an emergency switches exactly at its start)', () => {
    const built = buildProfile({ connectorId: 1, schedule: { startSchedule: '2026-11-23T07:00:00.000Z', chargingRateUnit: 'W', periods: [{ startPeriodS: 0, limit: 7400.9 }] } }, {}, now);
    expect(built.profile.chargingSchedule.startSchedule).toBe('2026-11-23T07:00:00.000Z');
    expect(built.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit).toBe(7400);
  });

  it('converts to the unit the charger allows, truncates to its number of periods, level 0 when it cannot stack', () => {
    const built = buildProfile(
      {
        connectorId: 1,
        schedule: { startSchedule: '2026-11-23T06:00:00.000Z', chargingRateUnit: 'W', periods: [{ startPeriodS: 0, limit: 11_040 }, { startPeriodS: 60, limit: 5000 }, { startPeriodS: 120, limit: 0 }] },
      },
      { allowedChargingRateUnits: ['A'], chargingScheduleMaxPeriods: 2, chargeProfileMaxStackLevel: 0 },
      now,
    );
    expect(built.profile.stackLevel).toBe(0);
    expect(built.profile.chargingSchedule.chargingRateUnit).toBe('A');
    // 11,040 W / (230 V × 3) = 16 A; the second of two periods the charger holds covers the cut-off
    // third at their lowest value (0 W), never the 7.2 A it would otherwise keep through the pause.
    // (The plan starts now: restarted a minute earlier, its steps keep their times, 60 s later in the schedule.)
    expect(built.profile.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16 },
      { startPeriod: 120, limit: 0 },
    ]);
  });

  it('merges cut-off periods of differing phases at the fewest phases and the lowest per-phase limit (A)', () => {
    const built = buildProfile(
      {
        connectorId: 1,
        schedule: {
          startSchedule: '2026-11-23T06:01:00.000Z',
          chargingRateUnit: 'A',
          periods: [{ startPeriodS: 0, limit: 32 }, { startPeriodS: 60, limit: 16 }, { startPeriodS: 120, limit: 20, numberPhases: 1 }],
        },
      },
      { allowedChargingRateUnits: ['A'], chargingScheduleMaxPeriods: 2 },
      now,
    );
    // 16 A at 3 phases (11 kW) must not outlast the cut-off 20 A on one phase (4.6 kW): 16 A on 1 phase.
    expect(built.profile.chargingSchedule.chargingSchedulePeriod.at(-1)).toEqual({ startPeriod: 180, limit: 16, numberPhases: 1 });
  });

  it('merges cut-off periods sent in W per phase: no phase gets more than any merged period gave it', () => {
    const built = buildProfile(
      {
        connectorId: 1,
        schedule: {
          startSchedule: '2026-11-23T06:01:00.000Z',
          chargingRateUnit: 'W',
          periods: [{ startPeriodS: 0, limit: 11_000 }, { startPeriodS: 60, limit: 6_000 }, { startPeriodS: 120, limit: 7_000, numberPhases: 1 }],
        },
      },
      { allowedChargingRateUnits: ['W'], chargingScheduleMaxPeriods: 2 },
      now,
    );
    // 6 kW over 3 phases is 2 kW a phase; on the 1 phase the merged period allows, 2 kW (not 6 kW on one phase).
    expect(built.profile.chargingSchedule.chargingSchedulePeriod.at(-1)).toEqual({ startPeriod: 180, limit: 2_000, numberPhases: 1 });
  });

  it('converts with the configured nominal voltage (Taiwan 220 V)', () => {
    const built = buildProfile(
      { connectorId: 1, schedule: { startSchedule: '2026-11-23T06:00:00.000Z', chargingRateUnit: 'W', periods: [{ startPeriodS: 0, limit: 11_040 }] } },
      { allowedChargingRateUnits: ['A'] },
      now,
      220,
    );
    // 11,040 W / (220 V × 3) = 16.73 A → 16.7 A (rounded down, never above the plan).
    expect(built.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit).toBe(16.7);
  });
});

describe('minChargingRate', () => {
  const now = new Date('2026-11-23T06:00:00.000Z');
  const plan = (numberPhases?: 1 | 3) => ({
    connectorId: 1,
    schedule: { startSchedule: '2026-11-23T06:00:00.000Z', chargingRateUnit: 'A' as const, minChargingRate: 6, periods: [{ startPeriodS: 0, limit: 16, ...(numberPhases ? { numberPhases } : {}) }] },
  });
  const minW = (p: ReturnType<typeof plan>) => buildProfile(p, { allowedChargingRateUnits: ['W'] }, now).profile.chargingSchedule.minChargingRate;

  it('is converted on the phases of the period in force, like its limit (a single-phase car: 6 A is 1,380 W, not 4,140 W)', () => {
    expect(minW(plan(1))).toBe(1380);
    expect(minW(plan(3))).toBe(4140);
    expect(minW(plan())).toBe(4140);
  });
});

describe('the 6 A pilot minimum in either unit', () => {
  const now = new Date('2026-11-23T06:00:00.000Z');
  it('pauses a limit planned below 6 A also on a charger that only takes W (it cannot signal 4 A and would draw 6 A)', () => {
    const plan = { connectorId: 1, schedule: { startSchedule: '2026-11-23T06:00:00.000Z', chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: 4 }, { startPeriodS: 60, limit: 16, numberPhases: 1 as const }] } };
    const periods = (allowed: ('A' | 'W')[]) => buildProfile(plan, { allowedChargingRateUnits: allowed }, now).profile.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit);
    expect(periods(['A'])).toEqual([0, 16]);
    expect(periods(['W'])).toEqual([0, 3680]);
    expect(buildLeaseFallback(1, { allowedChargingRateUnits: ['W'] }, now, 4).profile.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 0 }]);
  });
});

describe('roundDown', () => {
  it.each([
    [16.29, 'A', 16.2],
    [8.1, 'A', 8.1],
    [31.9, 'A', 31.9],
    [5.99, 'A', 0],
    [6, 'A', 6],
    [-1, 'A', 0],
    [7400.999, 'W', 7400],
  ] as const)('%p %s → %p', (value, unit, expected) => {
    expect(roundDown(value, unit)).toBe(expected);
  });
});

describe('leases (guide §3.3)', () => {
  const plan = (connectorId: number, durationS?: number) => ({
    connectorId,
    schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: 16 }], ...(durationS ? { durationS } : {}) },
  });

  it('gives a level-1 connector profile an end a lease from now (its schedule starts a minute before now)', () => {
    const built = buildProfile(plan(1), { chargeProfileMaxStackLevel: 2 }, now, 230, 900);
    expect(built.profile).toMatchObject({ chargingProfileId: 101, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile' });
    expect(built.profile.chargingSchedule.startSchedule).toBe('2026-11-23T05:59:00.000Z');
    expect(built.profile.chargingSchedule.duration).toBe(960);
    // The plan's own end wins when it comes first (05:00 + 1 h = 06:00 is 60 s after the restarted schedule's start).
    expect(buildProfile(plan(1, 3600), { chargeProfileMaxStackLevel: 2 }, now, 230, 900).profile.chargingSchedule.duration).toBe(60);
  });

  it('gives a schedule starting beyond a lease from now its lease from its start, never a negative duration', () => {
    const later = { connectorId: 1, schedule: { startSchedule: '2026-11-23T08:00:00.000Z', chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: 16 }] } };
    const built = buildProfile(later, { chargeProfileMaxStackLevel: 2 }, now, 230, 900);
    expect(built.profile.chargingSchedule.startSchedule).toBe('2026-11-23T08:00:00.000Z');
    expect(built.profile.chargingSchedule.duration).toBe(900);
    expect(validateRequest16('SetChargingProfile', { connectorId: 1, csChargingProfiles: built.profile }).ok).toBe(true);
  });

  it('leaves station caps and level-0 profiles without an end (nothing lies under them)', () => {
    expect(buildProfile(plan(0), { chargeProfileMaxStackLevel: 2 }, now, 230, 900).profile.chargingSchedule.duration).toBeUndefined();
    expect(buildProfile(plan(1), { chargeProfileMaxStackLevel: 0 }, now, 230, 900).profile.chargingSchedule.duration).toBeUndefined();
    expect(buildProfile(plan(1), { chargeProfileMaxStackLevel: 2, onlyStackLevelZero: true }, now, 230, 900).profile.chargingSchedule.duration).toBeUndefined();
    expect(buildProfile(plan(1), { chargeProfileMaxStackLevel: 2 }, now).profile.chargingSchedule.duration).toBeUndefined();
  });

  it('builds the fallback as a level-0 TxDefaultProfile under 200 + connector, in the unit the charger takes', () => {
    const amps = buildLeaseFallback(2, {}, now, 6);
    expect(amps).toEqual({
      connectorId: 2,
      profile: {
        chargingProfileId: 202,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', startSchedule: '2026-11-23T05:59:00.000Z', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
      },
    });
    expect(validateRequest16('SetChargingProfile', { connectorId: 2, csChargingProfiles: amps.profile }).ok).toBe(true);
    expect(buildLeaseFallback(1, { allowedChargingRateUnits: ['W'] }, now, 6, 220).profile.chargingSchedule).toMatchObject({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3960 }] });
    expect(buildLeaseFallback(1, {}, now, 0).profile.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 0 }]);
    // A single-phase connector in W: 6 A on its one phase, not 4,140 W (18 A there).
    expect(buildLeaseFallback(1, { allowedChargingRateUnits: ['W'] }, now, 6, 230, 1).profile.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 1380, numberPhases: 1 }]);
  });
});

describe('forRunningTransaction', () => {
  it('is the connector TxDefaultProfile as a TxProfile for the transaction: id 300 + connector, same limits, level and lease end', () => {
    const leased = buildProfile(
      { connectorId: 2, schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] } },
      { chargeProfileMaxStackLevel: 2 },
      now,
      230,
      900,
    );
    const tx = forRunningTransaction(leased, 77);
    expect(tx.connectorId).toBe(2);
    expect(tx.profile).toEqual({ ...leased.profile, chargingProfileId: 302, chargingProfilePurpose: 'TxProfile', transactionId: 77 });
    expect(tx.profile.chargingSchedule.duration).toBe(leased.profile.chargingSchedule.duration);
    expect(leased.profile).not.toHaveProperty('transactionId');
    expect(validateRequest16('SetChargingProfile', { connectorId: 2, csChargingProfiles: tx.profile }).ok).toBe(true);
  });
});

describe('endingAtValidUntil', () => {
  const limit = (connectorId: number, durationS?: number) => ({
    connectorId,
    schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: 16 }], ...(durationS ? { durationS } : {}) },
  });

  it("ends a connector's schedule at validUntil (whole seconds, never after), or at its own end if sooner", () => {
    expect(endingAtValidUntil(limit(1), '2026-11-23T06:00:00.900Z').schedule.durationS).toBe(3600);
    expect(endingAtValidUntil(limit(1, 600), '2026-11-23T06:00:00.000Z').schedule.durationS).toBe(600);
    expect(endingAtValidUntil(limit(1), '2026-11-23T04:00:00.000Z').schedule.durationS).toBe(1);
    expect(endingAtValidUntil(limit(1), undefined).schedule.durationS).toBeUndefined();
  });

  it('keeps the station cap without an end (the fail-safe)', () => {
    expect(endingAtValidUntil(limit(0), '2026-11-23T06:00:00.000Z').schedule.durationS).toBeUndefined();
  });
});
