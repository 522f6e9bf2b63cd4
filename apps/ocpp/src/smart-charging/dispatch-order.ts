import type { DesiredProfileRow } from './charging-profile.repository.js';
import type { BuiltProfile } from './profile-builder.js';
import { expectedLimit } from './profile-verifier.js';

/* What the dispatcher (`limit-dispatcher.ts`) orders and builds its sends by. */

/**
 * Sort key: decreases first (negative), then unchanged, then increases. Against the limit the
 * applied profile sets now, not its first period: one sent hours ago may have stepped since (32 A
 * then 10 A: 16 A now is an increase). Where it sets none (never applied, or ended) the connector
 * may draw anything: any limit is a decrease (-Infinity). So is a cap changing form (new firmware:
 * a ChargePointMaxProfile's station total against an emulated cap's per-connector share, or back):
 * the limits do not compare, and the connector profiles built for the new form (plans no longer held
 * to a share) are only safe once it holds.
 */
export function change(row: DesiredProfileRow, built: BuiltProfile, now: Date): number {
  if (row.applied !== null && row.applied['chargingProfilePurpose'] !== built.profile.chargingProfilePurpose) return -Infinity;
  const next = built.profile.chargingSchedule.chargingSchedulePeriod[0]?.limit ?? 0;
  const applied = row.applied === null ? undefined : expectedLimit({ connectorId: row.connectorId, profile: row.applied as unknown as BuiltProfile['profile'] }, now);
  return applied === undefined ? -Infinity : next - applied;
}

/** The fewest phases the profile's periods name (3 when none does): the lease fallback's in W, which more phases would raise. */
export function fewestPhases(b: BuiltProfile): number {
  return Math.min(...b.profile.chargingSchedule.chargingSchedulePeriod.map((p) => p.numberPhases ?? 3));
}
