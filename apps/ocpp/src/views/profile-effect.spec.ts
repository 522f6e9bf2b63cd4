import { profileEffect } from './profile-effect.js';

const absolute = (chargingSchedule: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  chargingProfileId: 101, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }], ...chargingSchedule },
  ...extra,
});
const at = (iso: string) => new Date(iso);

describe('whether an applied charging profile acts now', () => {
  it('an Absolute schedule acts from its startSchedule for its duration, and not after', () => {
    const applied = absolute({ startSchedule: '2026-03-01T10:00:00Z', duration: 3600 });
    expect(profileEffect(applied, at('2026-03-01T10:59:59Z'))).toEqual({ inEffect: true, appliedUntil: '2026-03-01T11:00:00.000Z' });
    expect(profileEffect(applied, at('2026-03-01T11:00:00Z'))).toEqual({ inEffect: false, appliedUntil: '2026-03-01T11:00:00.000Z' });
    // Not yet started (a day-ahead plan the charger already holds).
    expect(profileEffect(applied, at('2026-03-01T09:00:00Z')).inEffect).toBe(false);
  });

  it('validTo ends any kind, the earlier of it and the schedule end counts; validFrom delays it', () => {
    const recurring = { ...absolute({ startSchedule: '2026-03-01T00:00:00Z', duration: 3600 }), chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validTo: '2026-03-05T00:00:00Z' };
    // A Recurring duration repeats every day: only validTo ends it.
    expect(profileEffect(recurring, at('2026-03-04T00:30:00Z'))).toEqual({ inEffect: true, appliedUntil: '2026-03-05T00:00:00.000Z' });
    expect(profileEffect(recurring, at('2026-03-05T00:00:01Z')).inEffect).toBe(false);
    const both = absolute({ startSchedule: '2026-03-01T10:00:00Z', duration: 7200 }, { validFrom: '2026-03-01T10:30:00Z', validTo: '2026-03-01T11:00:00+00:00' });
    expect(profileEffect(both, at('2026-03-01T10:15:00Z')).inEffect).toBe(false);
    expect(profileEffect(both, at('2026-03-01T10:45:00Z'))).toEqual({ inEffect: true, appliedUntil: '2026-03-01T11:00:00.000Z' });
  });

  it('a Recurring profile acts only within its duration of each day or week, from its startSchedule', () => {
    const daily = { ...absolute({ startSchedule: '2026-03-01T08:00:00Z', duration: 3600 }), chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' };
    expect(profileEffect(daily, at('2026-03-04T08:30:00Z'))).toEqual({ inEffect: true, appliedUntil: null });
    expect(profileEffect(daily, at('2026-03-04T12:00:00Z'))).toEqual({ inEffect: false, appliedUntil: null });
    const weekly = { ...daily, recurrencyKind: 'Weekly' };
    expect(profileEffect(weekly, at('2026-03-08T08:30:00Z')).inEffect).toBe(true);
    expect(profileEffect(weekly, at('2026-03-04T08:30:00Z')).inEffect).toBe(false);
    // Without a duration (or a duration of a whole period and more) it acts throughout.
    expect(profileEffect({ ...daily, chargingSchedule: { ...daily.chargingSchedule, duration: undefined } }, at('2026-03-04T12:00:00Z')).inEffect).toBe(true);
    expect(profileEffect({ ...daily, chargingSchedule: { ...daily.chargingSchedule, duration: 86_400 } }, at('2026-03-04T12:00:00Z')).inEffect).toBe(true);
  });

  it('without an end it stays in effect; a Relative duration counts from a transaction start the profile does not name', () => {
    expect(profileEffect(absolute({ startSchedule: '2026-03-01T10:00:00Z' }), at('2030-01-01T00:00:00Z'))).toEqual({ inEffect: true, appliedUntil: null });
    const relative = { ...absolute({ duration: 60 }), chargingProfileKind: 'Relative', chargingProfilePurpose: 'TxProfile' };
    expect(profileEffect(relative, at('2030-01-01T00:00:00Z'))).toEqual({ inEffect: true, appliedUntil: null });
  });

  it('nothing applied (never accepted, or cleared) is not in effect', () => {
    expect(profileEffect(null, at('2026-03-01T10:00:00Z'))).toEqual({ inEffect: false, appliedUntil: null });
  });
});
