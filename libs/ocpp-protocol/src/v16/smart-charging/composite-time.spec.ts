/**
 * Worked examples for profile kinds (Absolute / Relative / Recurring) and nextChangeAfter().
 * Station: 230 V, 3 phases, 32 A. Expectations derived by hand; reasoning in the comments.
 */
import { compositeSchedule, limitAt, nextChangeAfter } from './composite.js';
import type { ChargingProfile, CompositeScheduleInput, InstalledProfile } from './types.js';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

function txDefault(id: number, p: Omit<ChargingProfile, 'chargingProfileId' | 'chargingProfilePurpose' | 'stackLevel'> & { stackLevel?: number }): InstalledProfile {
  return { connectorId: 1, profile: { chargingProfileId: id, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0, ...p } };
}
/** Level-0 Absolute 16 A from T0, forever: what shows through when a higher level does not cover. */
const floor16 = txDefault(100, {
  chargingProfileKind: 'Absolute',
  chargingSchedule: { startSchedule: T0.toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
});

function input(profiles: InstalledProfile[], over: Partial<CompositeScheduleInput> = {}): CompositeScheduleInput {
  return { profiles, connectorId: 1, from: T0, durationS: 1800, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 }, ...over };
}
const periods = (i: CompositeScheduleInput): [number, number][] =>
  compositeSchedule(i).chargingSchedule.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]);

describe('Absolute vs Relative', () => {
  const schedule = { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }, { startPeriod: 900, limit: 16 }] } as const;
  const relative = txDefault(1, { chargingProfileKind: 'Relative', chargingSchedule: schedule });

  it('Relative starts at the transaction start', () => {
    // Transaction started 600 s before `from`: 6 A until start + 900 = from + 300, then 16 A.
    expect(periods(input([relative], { transaction: { startedAt: at(-600) } }))).toEqual([[0, 6], [300, 16]]);
  });

  it('Relative without a transaction starts at `from`', () => {
    expect(periods(input([relative]))).toEqual([[0, 6], [900, 16]]);
  });

  it('Absolute starts at startSchedule whatever the transaction', () => {
    const absolute = txDefault(2, { chargingProfileKind: 'Absolute', chargingSchedule: { ...schedule, startSchedule: at(-600).toISOString() } });
    expect(periods(input([absolute], { transaction: { startedAt: at(-60) } }))).toEqual([[0, 6], [300, 16]]);
    // Before its startSchedule it does not apply: hardware 32 A until −600 s.
    expect(limitAt(input([absolute]), at(-601)).limit).toBe(32);
  });
});

describe('Recurring', () => {
  // Every day 22:00 for 4 h: 10 A until midnight, 6 A until 02:00; outside that the 16 A floor.
  const nightly = txDefault(1, {
    stackLevel: 1,
    chargingProfileKind: 'Recurring',
    recurrencyKind: 'Daily',
    chargingSchedule: {
      startSchedule: '2025-01-01T22:00:00Z',
      duration: 4 * 3600,
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }, { startPeriod: 7200, limit: 6 }],
    },
  });

  it('Daily repeats every 24 h and crosses midnight', () => {
    // From 2025-01-02 21:00 for 6 h. 21:00 is 23 h into the 01-01 occurrence (past its 4 h) → 16;
    // 22:00 (+3600) the 01-02 occurrence starts → 10; 00:00 (+10800) → 6; 02:00 (+18000) ends → 16.
    const from = new Date('2025-01-02T21:00:00Z');
    expect(periods(input([floor16, nightly], { from, durationS: 6 * 3600 }))).toEqual([[0, 16], [3600, 10], [10800, 6], [18000, 16]]);
  });

  it('does not apply before its first occurrence', () => {
    // 2025-01-01 23:00 is inside the first occurrence; 2025-01-01 01:00 is before startSchedule.
    expect(limitAt(input([floor16, nightly]), new Date('2025-01-01T23:00:00Z')).limit).toBe(10);
    expect(limitAt(input([floor16, nightly]), new Date('2025-01-01T01:00:00Z')).limit).toBe(16);
  });

  // Mondays 08:00–09:00: 0 A (2025-01-06 is a Monday).
  const mondayMorning = txDefault(2, {
    stackLevel: 1,
    chargingProfileKind: 'Recurring',
    recurrencyKind: 'Weekly',
    chargingSchedule: { startSchedule: '2025-01-06T08:00:00Z', duration: 3600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 0 }] },
  });

  it('Weekly repeats every 7 days only', () => {
    // Monday 2025-01-13 07:30 for 2 h: 16; 08:00 (+1800) → 0; 09:00 (+5400) → 16.
    expect(periods(input([floor16, mondayMorning], { from: new Date('2025-01-13T07:30:00Z'), durationS: 7200 }))).toEqual([[0, 16], [1800, 0], [5400, 16]]);
    // Tuesday 2025-01-14, same hours: nothing.
    expect(periods(input([floor16, mondayMorning], { from: new Date('2025-01-14T07:30:00Z'), durationS: 7200 }))).toEqual([[0, 16]]);
  });

  it('nextChangeAfter finds the next occurrence', () => {
    // Tuesday → next Monday 08:00; during the slot → its end at 09:00.
    expect(nextChangeAfter(input([floor16, mondayMorning]), new Date('2025-01-14T00:00:00Z'))).toEqual(new Date('2025-01-20T08:00:00Z'));
    expect(nextChangeAfter(input([floor16, mondayMorning]), new Date('2025-01-20T08:30:00Z'))).toEqual(new Date('2025-01-20T09:00:00Z'));
    // Daily: at 21:00 → 22:00; at 23:00 → midnight (10 → 6 A).
    expect(nextChangeAfter(input([floor16, nightly]), new Date('2025-01-02T21:00:00Z'))).toEqual(new Date('2025-01-02T22:00:00Z'));
    expect(nextChangeAfter(input([floor16, nightly]), new Date('2025-01-02T23:00:00Z'))).toEqual(new Date('2025-01-03T00:00:00Z'));
  });
});

describe('nextChangeAfter', () => {
  const cap = {
    connectorId: 0,
    profile: { ...floor16.profile, chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { ...floor16.profile.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }, { startPeriod: 3600, limit: 10 }] } },
  } satisfies InstalledProfile;
  const def = txDefault(2, {
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: T0.toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1800, limit: 25 }] },
  });

  it('is undefined without profiles or once the last periods hold forever', () => {
    expect(nextChangeAfter(input([]), T0)).toBeUndefined();
    // min(cap, def): 16 → 20 at 1800 → 10 at 3600, then nothing changes again.
    expect(nextChangeAfter(input([cap, def]), T0)).toEqual(at(1800));
    expect(nextChangeAfter(input([cap, def]), at(1800))).toEqual(at(3600));
    expect(nextChangeAfter(input([cap, def]), at(3600))).toBeUndefined();
  });

  it('skips candidates where the limit does not actually change', () => {
    const p = txDefault(3, {
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: T0.toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }, { startPeriod: 600, limit: 10 }, { startPeriod: 1200, limit: 6 }] },
    });
    expect(nextChangeAfter(input([p]), T0)).toEqual(at(1200));
  });

  it('returns exact instants (no rounding to seconds) and follows the Relative anchor', () => {
    const late = txDefault(4, { ...floor16.profile, stackLevel: 1, validFrom: '2025-01-01T00:10:00.500Z', chargingSchedule: { ...floor16.profile.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } });
    expect(nextChangeAfter(input([floor16, late]), T0)).toEqual(new Date('2025-01-01T00:10:00.500Z'));
    const relative = txDefault(5, { chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }, { startPeriod: 900, limit: 16 }] } });
    // Transaction started at T0 → change at T0 + 900 s.
    expect(nextChangeAfter(input([relative], { transaction: { startedAt: T0 } }), at(60))).toEqual(at(900));
  });

  it('looks past years of recurrences to a far validTo', () => {
    // A daily 10 A profile (no duration → covers the whole day, every day) valid until 2035: the
    // limit stays 10 A until validTo, then the 16 A floor shows.
    const daily = txDefault(6, {
      stackLevel: 1,
      chargingProfileKind: 'Recurring',
      recurrencyKind: 'Daily',
      validTo: '2035-01-01T00:00:00Z',
      chargingSchedule: { startSchedule: T0.toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    });
    expect(nextChangeAfter(input([floor16, daily]), new Date('2025-06-01T12:00:00Z'))).toEqual(new Date('2035-01-01T00:00:00Z'));
  });

  it('jumps to a validTo of 9999 instead of walking 400,000 weeks (the simulator calls this on every change)', () => {
    // CSMSs write 9999-12-31 for "forever"; walking week by week took 2.5 s per call.
    const forever = txDefault(7, { ...floor16.profile, stackLevel: 1, chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validTo: '9999-12-31T23:59:59Z', chargingSchedule: { ...floor16.profile.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } });
    const started = performance.now();
    expect(nextChangeAfter(input([floor16, forever]), new Date('2025-06-01T12:00:00Z'))).toEqual(new Date('9999-12-31T23:59:59Z'));
    expect(performance.now() - started).toBeLessThan(250);
  });
});
