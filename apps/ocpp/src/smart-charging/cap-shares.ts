import type { ConnectorLimit, OcppCommandReply } from '@cpo/contracts';
import { EMULATED_CAP_PROFILE_ID, STATION_CAP_PROFILE_ID, type BuiltProfile } from './profile-builder.js';

/*
 * The emulated station cap (`emulated-cap.ts`) of a charger that also refuses the connector-0
 * TxDefaultProfile it lives in (guide §3.1: some firmware takes no profile on connector 0 but a
 * ChargePointMaxProfile, or no TxDefaultProfile there). Learned as `connectorZeroDefaultRefused`.
 * The connector-0 default then holds no connector, so each connector's share goes into its own
 * profile (100 + n): the connectors with a plan carry min(plan, share) there already, those without
 * one get the share alone. A connector's plan that ends would leave it under nothing: its profile
 * goes on at the share instead of ending.
 */

/** The connectors that need the share as a profile of their own: those the cap is split over (1…`connectors`) without a plan of their own. */
export function shareConnectors(connectors: number, planned: ReadonlySet<number>): number[] {
  return Array.from({ length: Math.max(1, connectors) }, (_, i) => i + 1).filter((c) => !planned.has(c));
}

/** Connector `connectorId`'s share of the station cap as a limit of its own, on the cap's schedule (the builder rounds it down). */
export function shareLimit(cap: ConnectorLimit, connectorId: number, connectors: number): ConnectorLimit {
  const n = Math.max(1, connectors);
  return { connectorId, schedule: { ...cap.schedule, periods: cap.schedule.periods.map((p) => ({ ...p, limit: p.limit / n })) } };
}

/**
 * The connector's limit without its end: past it, no limit of its own (Infinity), which
 * `underStationShare` turns into the share. Kept as it is where the cap would not cover the time
 * after that end (it starts later or ends itself): an unlimited period must never reach the charger.
 */
export function heldAfterEnd(limit: ConnectorLimit, cap: ConnectorLimit): ConnectorLimit {
  const own = limit.schedule;
  if (own.durationS === undefined || cap.schedule.durationS !== undefined) return limit;
  const endMs = Date.parse(own.startSchedule) + own.durationS * 1000;
  if (Date.parse(cap.schedule.startSchedule) > endMs) return limit;
  const periods = own.periods.filter((p) => p.startPeriodS < own.durationS!);
  const last = periods[periods.length - 1];
  const after = { startPeriodS: own.durationS, limit: Infinity, ...(last?.numberPhases === undefined ? {} : { numberPhases: last.numberPhases }) };
  const { durationS: _ended, ...open } = own;
  return { ...limit, schedule: { ...open, periods: [...periods, after] } };
}

/** Whether the built profile still carries an unlimited period (see `heldAfterEnd`). */
export function unlimited(b: BuiltProfile): boolean {
  return b.profile.chargingSchedule.chargingSchedulePeriod.some((p) => !Number.isFinite(p.limit));
}

const accepted = (r: OcppCommandReply) => r.status === 'ok' && r.payload['status'] === 'Accepted';

/**
 * Sends every connector's share (each one at stack level 0 again if refused above it, as a
 * connector's own profile would be). All are sent even after one is refused: every connector held
 * is one less without a limit. The cap's answer is the first refusal (or failure), else the last
 * acceptance; `sent` is the first share the charger took (the cap's form to record and check),
 * `taken` every share it took (each for its connector's running transaction), and
 * `onlyStackLevelZero` tells that a share was refused at level 1 and taken at level 0.
 */
export async function sendShares(
  shares: BuiltProfile[],
  send: (b: BuiltProfile) => Promise<{ reply: OcppCommandReply; sent: BuiltProfile }>,
): Promise<{ reply: OcppCommandReply; sent?: BuiltProfile; taken: BuiltProfile[]; onlyStackLevelZero: boolean }> {
  let failed: OcppCommandReply | undefined;
  let last: OcppCommandReply | undefined;
  const taken: BuiltProfile[] = [];
  let onlyStackLevelZero = false;
  for (const share of shares) {
    let tried = await send(share);
    if (!accepted(tried.reply) && tried.reply.status === 'ok' && share.profile.stackLevel > 0) {
      tried = await send({ ...share, profile: { ...share.profile, stackLevel: 0 } });
      onlyStackLevelZero ||= accepted(tried.reply);
    }
    last = tried.reply;
    if (accepted(tried.reply)) taken.push(tried.sent);
    else failed ??= tried.reply;
  }
  if (!last) throw new Error('no connector share to send');
  return { reply: failed ?? last, sent: taken[0], taken, onlyStackLevelZero };
}

/** Whether the cap row's form the charger last accepted (its `applied`) was a connector's share: shares may be installed. */
export function heldByShares(applied: Record<string, unknown> | null): boolean {
  const id = applied?.['chargingProfileId'];
  return applied?.['chargingProfilePurpose'] === 'TxDefaultProfile' && id !== EMULATED_CAP_PROFILE_ID && id !== STATION_CAP_PROFILE_ID;
}

/**
 * Removes the shares of the connectors without a plan (their ids), once the cap holds another way
 * (a firmware that forgot `connectorZeroDefaultRefused` took id 99 or a ChargePointMaxProfile). A
 * connector's own TxDefaultProfile replaces connector 0's for it (guide §2.6): an old share left
 * there would hold the connector at the old cap's share through every later, lower cap. All are
 * tried; returns the first one not answered (`Accepted` or `Unknown`, nothing there), else undefined.
 */
export async function clearShares(ids: number[], clear: (id: number) => Promise<OcppCommandReply>): Promise<OcppCommandReply | undefined> {
  let failed: OcppCommandReply | undefined;
  for (const id of ids) {
    const reply = await clear(id);
    if (reply.status === 'ok' && (reply.payload['status'] === 'Accepted' || reply.payload['status'] === 'Unknown')) continue;
    failed ??= reply.status === 'ok' ? reply : { ...reply, description: `ClearChargingProfile ${id} (an old share): ${reply.description}` };
  }
  return failed;
}
