import type { ConnectorLimit } from '@cpo/contracts';
import { SmartCharging16 } from '@cpo/ocpp-protocol';
import { connectorsToShare, emulateStationCap, underStationShare } from './emulated-cap.js';
import { buildProfile, type BuiltProfile } from './profile-builder.js';
import { expectedLimit } from './profile-verifier.js';

const now = new Date('2026-11-23T06:00:00.000Z');
const start = '2026-11-23T05:00:00.000Z';
/** A charger with stack levels that refuses ChargePointMaxProfile. */
const caps = { numberOfConnectors: 2, chargeProfileMaxStackLevel: 2, allowedChargingRateUnits: ['A' as const], chargePointMaxProfileRefused: true };
const limit = (connectorId: number, periods: [number, number][], o: { startSchedule?: string; unit?: 'A' | 'W'; durationS?: number } = {}): ConnectorLimit => ({
  connectorId,
  schedule: {
    startSchedule: o.startSchedule ?? start,
    chargingRateUnit: o.unit ?? 'A',
    ...(o.durationS ? { durationS: o.durationS } : {}),
    periods: periods.map(([startPeriodS, l]) => ({ startPeriodS, limit: l })),
  },
});

/** What the charger applies on a connector from `at` with these profiles installed (the simulator's engine, 32 A hardware maximum). */
function applied(profiles: BuiltProfile[], connectorId: number, at: Date): number {
  const installed = profiles.map((b) => ({ connectorId: b.connectorId, profile: b.profile as SmartCharging16.ChargingProfile }));
  const composite = SmartCharging16.compositeSchedule({ profiles: installed, connectorId, from: at, durationS: 60, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 } });
  return composite.chargingSchedule!.chargingSchedulePeriod[0]!.limit;
}

/** The profiles the dispatcher sends such a charger: the cap as connector 0's default, each connector under its share. */
function dispatched(cap: ConnectorLimit, connectors: ConnectorLimit[], n: number): BuiltProfile[] {
  return [emulateStationCap(buildProfile(cap, caps, now), n), ...connectors.map((c) => buildProfile(underStationShare(c, cap, n, 230), caps, now))];
}

describe('emulated station cap (ChargePointMaxProfile refused)', () => {
  it('holds each connector to its share of the cap, so together they stay within it (a connector profile replaces connector 0 default)', () => {
    const profiles = dispatched(limit(0, [[0, 40]]), [limit(1, [[0, 32]]), limit(2, [[0, 32]])], 2);
    expect(profiles.map((p) => [p.profile.chargingProfileId, p.profile.stackLevel, p.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit])).toEqual([
      [99, 0, 20],
      [101, 1, 20],
      [102, 1, 20],
    ]);
    expect(applied(profiles, 1, now) + applied(profiles, 2, now)).toBeLessThanOrEqual(40);
    // Each share rounded down: 40 A over three connectors is 13.3 A.
    expect(emulateStationCap(buildProfile(limit(0, [[0, 40]]), caps, now), 3).profile.chargingSchedule.chargingSchedulePeriod[0]!.limit).toBe(13.3);
  });

  it('checks what the charger reports against the combined limit: a lone car under a cap made of the sum is verified, not NotObeyed', () => {
    // The planner's connector 0 is the sum of its connectors: one car at 20 A, the other connector idle.
    const profiles = dispatched(limit(0, [[0, 20]]), [limit(1, [[0, 20]]), limit(2, [[0, 0]])], 2);
    const [cap, one] = profiles as [BuiltProfile, BuiltProfile];
    // The check asks connector 1 for the emulated cap, and the connector's own profile for itself.
    expect(applied(profiles, 1, now)).toBeLessThanOrEqual(expectedLimit(cap, now)!);
    expect(applied(profiles, 1, now)).toBeLessThanOrEqual(expectedLimit(one, now)!);
  });

  it('follows both schedules on one time grid: the lower of the two from each change on, the cap ending before the connector', () => {
    const cap = limit(0, [[0, 40], [1800, 16]], { startSchedule: '2026-11-23T05:30:00.000Z', durationS: 3600 });
    const own = limit(1, [[0, 32], [2400, 6]], { durationS: 4 * 3600 });
    const combined = underStationShare(own, cap, 2, 230);
    // 05:00 own 32, no cap yet; 05:30 cap 40/2 = 20; 05:40 own 6; 06:00 cap 8 (6 stays); 06:30 the cap ends: own 6.
    expect(combined.schedule.periods).toEqual([
      { startPeriodS: 0, limit: 32 },
      { startPeriodS: 1800, limit: 20 },
      { startPeriodS: 2400, limit: 6 },
    ]);
    expect(combined.schedule.durationS).toBe(4 * 3600);
    const later = underStationShare(limit(1, [[0, 32]]), cap, 2, 230);
    expect(later.schedule.periods).toEqual([
      { startPeriodS: 0, limit: 32 },
      { startPeriodS: 1800, limit: 20 },
      { startPeriodS: 3600, limit: 8 },
      { startPeriodS: 5400, limit: 32 },
    ]);
  });

  it('gives the second around a cap change between two whole seconds the lower value, and converts a cap in W to the connector unit', () => {
    const cap = limit(0, [[0, 13_800], [10, 4_140]], { startSchedule: '2026-11-23T05:00:00.400Z', unit: 'W' });
    const combined = underStationShare(limit(1, [[0, 32]]), cap, 2, 230);
    // 13,800 W / 2 / (230 V × 3) = 10 A from 05:00:00.4, so the first second already holds it; 4,140 W → 3 A from 05:00:10.4, i.e. from 10 s on.
    expect(combined.schedule.periods).toEqual([
      { startPeriodS: 0, limit: 10 },
      { startPeriodS: 10, limit: 3 },
    ]);
  });

  it('splits over the most connectors known: the configuration key, or else the highest connector planned or reported, never 1 when more exist', () => {
    expect(connectorsToShare({ numberOfConnectors: 2 }, 0)).toBe(2);
    expect(connectorsToShare({}, 2)).toBe(2);
    expect(connectorsToShare({ numberOfConnectors: 1 }, 3)).toBe(3);
    expect(connectorsToShare({}, 0)).toBe(1);
  });
});
