import { expectedLimit } from './profile-verifier.js';
import type { BuiltProfile } from './profile-builder.js';

const built = (startSchedule: string, periods: [number, number][], duration?: number): BuiltProfile => ({
  connectorId: 1,
  profile: {
    chargingProfileId: 101,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule, duration, chargingRateUnit: 'A', chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })) },
  },
});

describe('expectedLimit (what a profile should make the charger apply now)', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  it('takes the period in effect, counted from the absolute start', () => {
    expect(expectedLimit(built('2026-11-23T09:59:00Z', [[0, 16], [30, 10], [120, 6]]), now)).toBe(10);
    expect(expectedLimit(built('2026-11-23T09:59:00Z', [[0, 16], [60, 10]]), now)).toBe(10);
  });
  it('has no expectation before the start or after the duration', () => {
    expect(expectedLimit(built('2026-11-23T10:00:01Z', [[0, 16]]), now)).toBeUndefined();
    expect(expectedLimit(built('2026-11-23T09:00:00Z', [[0, 16]], 3600), now)).toBeUndefined();
    expect(expectedLimit(built('2026-11-23T09:00:00Z', [[0, 16]], 3601), now)).toBe(16);
  });
});
