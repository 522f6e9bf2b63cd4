/**
 * Profile dates the schema admits must be read the way the CSMS meant them, whatever the host's
 * zone: a refused startSchedule turns a valid SetChargingProfile into `Rejected`.
 */
import { limitAt } from './composite.js';
import { ChargingProfileStore } from './profile-store.js';
import type { ChargingProfile, InstallContext, InstalledProfile } from './types.js';

const ctx: InstallContext = {
  connectorCount: 2,
  activeTransaction: () => undefined,
  limits: { maxStackLevel: 5, maxPeriods: 10, maxProfiles: 10, allowedUnits: ['A', 'W'] },
};

const profile = (startSchedule: string, validTo?: string): ChargingProfile => ({
  chargingProfileId: 1,
  stackLevel: 0,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  ...(validTo === undefined ? {} : { validTo }),
  chargingSchedule: { startSchedule, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
});

const limit = (p: ChargingProfile, at: string): number => {
  const profiles: InstalledProfile[] = [{ connectorId: 1, profile: p }];
  return limitAt({ profiles, connectorId: 1, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 } }, new Date(at)).limit;
};

describe('profile dates', () => {
  it('accepts a leap-second startSchedule and starts the next second', () => {
    const p = profile('2016-12-31T23:59:60Z');
    expect(new ChargingProfileStore().install(1, p, ctx)).toEqual({ status: 'Accepted' });
    expect(limit(p, '2016-12-31T23:59:59.999Z')).toBe(32);
    expect(limit(p, '2017-01-01T00:00:00Z')).toBe(10);
  });

  it('accepts an hour-only offset (ISO 8601, admitted by the schema format)', () => {
    const p = profile('2025-01-01T12:00:00+02');
    expect(new ChargingProfileStore().install(1, p, ctx)).toEqual({ status: 'Accepted' });
    expect(limit(p, '2025-01-01T09:59:59Z')).toBe(32);
    expect(limit(p, '2025-01-01T10:00:00Z')).toBe(10);
  });

  it('reads a zone-less date as UTC, not in the host zone (bites when TZ is not UTC)', () => {
    const p = profile('2025-01-01T12:00:00', '2025-01-01T13:00:00');
    expect(limit(p, '2025-01-01T11:59:59Z')).toBe(32);
    expect(limit(p, '2025-01-01T12:00:00Z')).toBe(10);
    expect(limit(p, '2025-01-01T13:00:00Z')).toBe(32);
  });
});
