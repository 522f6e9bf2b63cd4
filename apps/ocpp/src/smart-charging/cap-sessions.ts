import type { EntityManager } from 'typeorm';
import type { DesiredProfileRow } from './charging-profile.repository.js';
import type { BuiltProfile } from './profile-builder.js';
import type { AcceptedProfile, CarriedShare } from './running-transaction-cap.js';

/** Where an emulated cap is checked on a charger not known either way (`RunningTransactionCap`): the sessions under its shares, each with the cap's form on its connector. */
export interface CapCheck {
  accepted: AcceptedProfile;
  sessions: { row: DesiredProfileRow; share: BuiltProfile; form: BuiltProfile; transactionId: number }[];
}

/**
 * An emulated station cap accepted in a pass (id 99, or its first share): the connectors under its
 * shares (no plan of its own, or a refused one) where a transaction runs (`running`, by connector,
 * in order), in the form each runs under. Only a session shows a charger keeping the older default:
 * an idle connector (connector 1, as `ProfileVerifier` asks for id 99) passes while a session
 * elsewhere keeps the older share (26 A under a 20 A cap). Undefined for another profile or without
 * such a session (checked as any row).
 */
export async function capSessions(
  cap: AcceptedProfile,
  carried: CarriedShare[],
  running: (connectorIds: number[]) => Promise<(number | null | undefined)[]>,
): Promise<CapCheck | undefined> {
  if (cap.row.connectorId !== 0 || cap.renewal || cap.sent.profile.chargingProfilePurpose !== 'TxDefaultProfile') return undefined;
  const all = [...(cap.sent.connectorId > 0 ? [{ row: cap.row, share: cap.sent }] : []), ...carried.filter((c) => c.row.chargingProfileId === cap.row.chargingProfileId)];
  const shares = all.filter((c, i) => all.findIndex((d) => d.share.connectorId === c.share.connectorId) === i);
  const ids = await running(shares.map((c) => c.share.connectorId));
  // Id 99 is the connector's default itself; in the shares form, the connector's own share is.
  const formOn = (share: BuiltProfile) => (cap.sent.connectorId > 0 ? share : { connectorId: share.connectorId, profile: cap.sent.profile });
  const sessions = shares.flatMap((c, i) => (ids[i] == null ? [] : [{ row: c.row, share: c.share, form: formOn(c.share), transactionId: ids[i]! }]));
  return sessions.length > 0 ? { accepted: cap, sessions } : undefined;
}

/**
 * Whether a check of the cap `row` asked again still is: the row holds the plan checked, applied,
 * and no `NotObeyed` went for that plan since (a check of any of its rows that found it exceeded,
 * the cap's or a connector's: the planner hears at most one per plan answer).
 */
export async function capCheckStillDue(m: EntityManager, stationId: string, row: Pick<DesiredProfileRow, 'chargingProfileId' | 'planId'>): Promise<boolean> {
  const [current]: unknown[] = await m.query(
    `SELECT 1 FROM charging_profiles p WHERE p.station_id = $1 AND p.charging_profile_id = $2 AND p.plan_id IS NOT DISTINCT FROM $3::uuid AND p.state = 'applied'
        AND NOT EXISTS (SELECT 1 FROM charging_profiles o WHERE o.station_id = p.station_id AND o.plan_id = p.plan_id AND o.verification LIKE 'exceeded%')
        AND (p.verification IS NULL OR p.verification NOT LIKE 'exceeded%')`,
    [stationId, row.chargingProfileId, row.planId],
  );
  return current !== undefined;
}
