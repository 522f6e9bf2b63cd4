import type { DesiredProfileRow } from './charging-profile.repository.js';
import { change } from './dispatch-order.js';
import { failureOf } from './profile-outcomes.js';
import type { BuiltProfile } from './profile-builder.js';

describe('failureOf (how an unaccepted SetChargingProfile is published)', () => {
  const cases: [string, Parameters<typeof failureOf>[0], string][] = [
    ['charger Rejected', { status: 'ok', payload: { status: 'Rejected' } }, 'Rejected'],
    ['charger NotSupported', { status: 'ok', payload: { status: 'NotSupported' } }, 'NotSupported'],
    ['no answer in time', { status: 'error', code: 'Timeout', description: 'x' }, 'Timeout'],
    // Never sent, queued behind earlier calls: as unanswered as a timeout, not a charger error.
    ['still queued at its timeout', { status: 'error', code: 'QueueTimeout', description: 'x' }, 'Timeout'],
    ['station offline', { status: 'error', code: 'Offline', description: 'x' }, 'Offline'],
    ['CallError NotImplemented', { status: 'error', code: 'NotImplemented', description: 'x' }, 'NotSupported'],
    ['other CallError', { status: 'error', code: 'InternalError', description: 'x' }, 'Error'],
  ];
  for (const [name, reply, expected] of cases) it(name, () => expect(failureOf(reply)).toBe(expected));
});

describe('change (decreases are sent before increases)', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  const schedule = (startSchedule: string, periods: [number, number][], duration?: number) => ({
    startSchedule,
    ...(duration === undefined ? {} : { duration }),
    chargingRateUnit: 'A' as const,
    chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
  });
  const row = (applied: ReturnType<typeof schedule> | null) =>
    ({ connectorId: 1, applied: applied && { chargingProfileId: 101, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: applied } }) as unknown as DesiredProfileRow;
  const built = (limit: number): BuiltProfile => ({
    connectorId: 1,
    profile: { chargingProfileId: 101, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: schedule('2026-11-23T11:59:00.000Z', [[0, limit]]) },
  });

  it('compares with the limit the applied profile sets now, not with its first period', () => {
    // Sent at 10:00: 32 A, then 10 A from 11:00. At 12:00 the charger applies 10 A: 16 A is an increase.
    const applied = row(schedule('2026-11-23T09:59:00.000Z', [[0, 32], [3660, 10]]));
    expect(change(applied, built(16), now)).toBeGreaterThan(0);
    // And 32 A → 20 A from 11:00 on: 12 A now is a decrease, though above the first period.
    const rising = row(schedule('2026-11-23T09:59:00.000Z', [[0, 10], [3660, 32]]));
    expect(change(rising, built(20), now)).toBeLessThan(0);
  });

  it('a connector whose applied profile has ended (or never had one) is unlimited now: any limit is a decrease', () => {
    expect(change(row(schedule('2026-11-23T09:59:00.000Z', [[0, 6]], 600)), built(16), now)).toBeLessThan(0);
    expect(change(row(null), built(16), now)).toBeLessThan(0);
  });

  it('a station cap changing form (an emulated share, now a ChargePointMaxProfile total) goes first, whatever the values', () => {
    const share = { ...row(schedule('2026-11-23T09:59:00.000Z', [[0, 20]])), connectorId: 0 } as DesiredProfileRow;
    const total = built(40);
    const cap: BuiltProfile = { connectorId: 0, profile: { ...total.profile, chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile' } };
    expect(change(share, cap, now)).toBe(-Infinity);
  });
});
