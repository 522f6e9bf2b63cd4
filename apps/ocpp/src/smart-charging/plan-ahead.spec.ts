import type { ConnectorLimit } from '@cpo/contracts';
import { expectedLimit } from './profile-verifier.js';
import { buildProfile, endingAtValidUntil } from './profile-builder.js';
import { bridgedToStart } from './plan-ahead.js';

const now = new Date('2026-11-23T06:00:00.000Z');
const at = (iso: string) => new Date(iso);

const limit = (connectorId: number, startSchedule: string, periods: [number, number][], o: { durationS?: number; unit?: 'A' | 'W' } = {}): ConnectorLimit => ({
  connectorId,
  schedule: {
    startSchedule,
    chargingRateUnit: o.unit ?? 'A',
    periods: periods.map(([startPeriodS, l]) => ({ startPeriodS, limit: l })),
    ...(o.durationS === undefined ? {} : { durationS: o.durationS }),
  },
});

describe('bridgedToStart (a plan starting ahead replaces the profile under its id at once)', () => {
  it('holds the previous limit from now until the plan starts, then the plan at its wall-clock times, its end kept', () => {
    const previous = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16]]);
    const plan = limit(1, '2026-11-23T06:10:00.500Z', [[0, 10], [600, 32]], { durationS: 3600 });
    const bridged = bridgedToStart(plan, previous, now);
    // 600.5 s ahead: 601 whole seconds earlier keeps the plan's own second grid (its step exactly at 06:10:00.5).
    expect(bridged.schedule).toEqual({
      startSchedule: '2026-11-23T05:59:59.500Z',
      chargingRateUnit: 'A',
      durationS: 3600 + 601,
      periods: [
        { startPeriodS: 0, limit: 16 },
        { startPeriodS: 601, limit: 10 },
        { startPeriodS: 1201, limit: 32 },
      ],
    });
  });

  it('takes the lowest limit the previous plan sets until the start (a step down inside the gap is not skipped)', () => {
    const previous = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16], [3900, 8], [4500, 32]]);
    const plan = limit(1, '2026-11-23T06:10:00.000Z', [[0, 20]]);
    expect(bridgedToStart(plan, previous, now).schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 8 });
    // A step after the plan's start does not count: the plan replaces it.
    const later = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16], [4200, 4]]);
    expect(bridgedToStart(plan, later, now).schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 16 });
  });

  it("without a known previous limit (none stored, ended) holds the plan's lowest limit until it starts", () => {
    const plan = limit(0, '2026-11-23T06:10:00.000Z', [[0, 40], [600, 24], [1200, 32]]);
    const lowest = { startPeriodS: 0, limit: 24 };
    expect(bridgedToStart(plan, undefined, now).schedule.periods[0]).toEqual(lowest);
    expect(bridgedToStart(plan, limit(0, '2026-11-23T04:00:00.000Z', [[0, 16]], { durationS: 3600 }), now).schedule.periods[0]).toEqual(lowest);
  });

  it('a previous limit in the other unit is held converted (its phases, else 3; the voltage given): never the plan above it until the start', () => {
    // 11 kW in force; the plan's lowest, 24 A, is 16.6 kW at 3 phases: above what the grid allows until 06:10.
    const plan = limit(0, '2026-11-23T06:10:00.000Z', [[0, 40], [600, 24], [1200, 32]]);
    const fromW = bridgedToStart(plan, limit(0, '2026-11-23T05:00:00.000Z', [[0, 11_000]], { unit: 'W' }), now, 230).schedule.periods[0]!;
    expect(fromW.limit).toBeCloseTo(11_000 / (230 * 3), 6);
    const onePhase: ConnectorLimit = { connectorId: 1, schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'W', periods: [{ startPeriodS: 0, limit: 3_680, numberPhases: 1 }] } };
    expect(bridgedToStart(limit(1, '2026-11-23T06:10:00.000Z', [[0, 32]]), onePhase, now, 230).schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 16, numberPhases: 1 });
    const fromA = bridgedToStart(limit(1, '2026-11-23T06:10:00.000Z', [[0, 22_000]], { unit: 'W' }), limit(1, '2026-11-23T05:00:00.000Z', [[0, 16]]), now, 230);
    expect(fromA.schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 16 * 230 * 3 });
  });

  it('in the other unit, the lowest of the previous periods is taken after conversion: their phases differ', () => {
    // 16 A at 3 phases is 11,040 W, 20 A at 1 phase 4,600 W: the lower current is the higher power.
    const previous: ConnectorLimit = {
      connectorId: 1,
      schedule: { startSchedule: '2026-11-23T06:00:00.000Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16 }, { startPeriodS: 300, limit: 20, numberPhases: 1 }] },
    };
    const plan = limit(1, '2026-11-23T06:10:00.000Z', [[0, 22_000]], { unit: 'W' });
    expect(bridgedToStart(plan, previous, now, 230).schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 4_600, numberPhases: 1 });
  });

  it('keeps the phases of the period it takes the bridge from', () => {
    const previous: ConnectorLimit = { connectorId: 1, schedule: { startSchedule: '2026-11-23T05:00:00.000Z', chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16, numberPhases: 1 }] } };
    const plan = limit(1, '2026-11-23T06:10:00.000Z', [[0, 20]]);
    expect(bridgedToStart(plan, previous, now).schedule.periods[0]).toEqual({ startPeriodS: 0, limit: 16, numberPhases: 1 });
  });

  it('leaves a plan that has begun, or begins within a minute (taken as begun by the builder), as it is', () => {
    const previous = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16]]);
    for (const start of ['2026-11-23T05:00:00.000Z', '2026-11-23T06:00:59.000Z', '2026-11-23T06:01:00.000Z']) {
      const plan = limit(1, start, [[0, 10]]);
      expect(bridgedToStart(plan, previous, now)).toBe(plan);
    }
  });

  it('built now, the charger holds the previous limit now and the plan from its start; the check expects the previous limit', () => {
    const previous = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16]]);
    const plan = endingAtValidUntil(limit(1, '2026-11-23T06:10:00.000Z', [[0, 10]]), '2026-11-23T08:10:00.000Z');
    const built = buildProfile(bridgedToStart(plan, previous, now), { chargeProfileMaxStackLevel: 2 }, now, 230, 900);
    expect(expectedLimit(built, now)).toBe(16);
    expect(expectedLimit(built, at('2026-11-23T06:09:59.000Z'))).toBe(16);
    expect(expectedLimit(built, at('2026-11-23T06:10:00.000Z'))).toBe(10);
    // The lease runs from now (it covers the bridge; renewals carry it on), not from the plan's start.
    const schedule = built.profile.chargingSchedule;
    expect(Date.parse(schedule.startSchedule!) + schedule.duration! * 1000).toBe(now.getTime() + 900_000);
    // Once the plan has begun, the bridge is an elapsed period and goes.
    const later = buildProfile(bridgedToStart(plan, previous, now), {}, at('2026-11-23T06:20:00.000Z'));
    expect(later.profile.chargingSchedule.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 10 }]);
    expect(Date.parse(later.profile.chargingSchedule.startSchedule!) + later.profile.chargingSchedule.duration! * 1000).toBe(Date.parse('2026-11-23T08:10:00.000Z'));
  });

  it('with one period more than the charger holds, its last periods merge at their lowest limit: never above the plan', () => {
    const previous = limit(1, '2026-11-23T05:00:00.000Z', [[0, 16]]);
    const plan = limit(1, '2026-11-23T06:10:00.000Z', [[0, 10], [600, 20], [1200, 8]]);
    const built = buildProfile(bridgedToStart(plan, previous, now), { chargingScheduleMaxPeriods: 3 }, now);
    const start = Date.parse(built.profile.chargingSchedule.startSchedule!);
    expect(built.profile.chargingSchedule.chargingSchedulePeriod.map((p) => [new Date(start + p.startPeriod * 1000).toISOString(), p.limit])).toEqual([
      ['2026-11-23T05:59:00.000Z', 16],
      ['2026-11-23T06:10:00.000Z', 10],
      ['2026-11-23T06:20:00.000Z', 8],
    ]);
  });
});
