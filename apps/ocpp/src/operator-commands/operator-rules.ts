import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { validateRequest16, type CsAction16, type JsonObject } from '@cpo/ocpp-protocol';
import { LocalCommandErrorCode } from '../commands/command-executor.js';
import { commandRuleViolations, isConfigurationKey } from '../commands/command-rules.js';
import { isManagedProfileId } from '../smart-charging/profile-builder.js';

/** Where an operator's payload carries a charging profile, by action. */
const PROFILE_OF: Readonly<Partial<Record<string, (p: Record<string, unknown>) => unknown>>> = {
  SetChargingProfile: (p) => p['csChargingProfiles'],
  RemoteStartTransaction: (p) => p['chargingProfile'],
};

/** An invalid payload is left to the executor, whose 400 names every bad field (a 400 comes before a 409). */
const sendable = (action: CsAction16, payload: Record<string, unknown>): boolean =>
  validateRequest16(action, payload as JsonObject).ok && commandRuleViolations(action, payload).length === 0;

const conflict = (description: string, details: Record<string, unknown>): OcppCommandReply => ({
  status: 'error',
  code: LocalCommandErrorCode.Conflict,
  description,
  details,
});

/**
 * Why an operator's command must not reach the charger, beyond the schema and the guide's rules: a
 * charging profile under an id smart charging installs would silently replace the grid limit on
 * the charger while our view still shows it applied (and be overwritten at the next plan). Checked
 * for every command from outside (REST, bulk, another service on the bus: OperatorRuleChecks), not
 * in the executor: smart charging's own profiles travel the same executor, over the bus too.
 */
export function operatorCommandRefusal(action: CsAction16, payload: Record<string, unknown>): OcppCommandReply | undefined {
  const profile = PROFILE_OF[action]?.(payload);
  if (typeof profile !== 'object' || profile === null) return undefined;
  const id = (profile as Record<string, unknown>)['chargingProfileId'];
  if (!isManagedProfileId(id)) return undefined;
  if (!sendable(action, payload)) return undefined;
  return conflict(`chargingProfileId ${String(id)} is reserved for the grid limits this platform installs (1, 99, 101–399 except 200 and 300); use another id`, {
    chargingProfileId: id,
  });
}

/**
 * A ReserveNow whose `expiryDate` is already past, refused before the command travels. The
 * executor checks it too (every path: REST, bulk, bus, OCPI), but only where the station's socket
 * is, after our reservation id is filled in; the expiry does not depend on that id, so an offline
 * station gets the 400 rather than 503, and a bulk request is refused as a whole (wrong for every station).
 */
export function expiredReservationRefusal(action: CsAction16, payload: Record<string, unknown>, nowMs = Date.now()): OcppCommandReply | undefined {
  if (action !== 'ReserveNow') return undefined;
  const expired = commandRuleViolations(action, payload, nowMs).filter((v) => v.path === '/expiryDate');
  if (expired.length === 0) return undefined;
  return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description: `/expiryDate ${expired[0]!.message}`, details: { errors: expired } };
}

/**
 * A new AuthorizationKey for more than one station in one request: every one of them would get the
 * same key, so a key read out of one charger (or its installer's notes) lets anyone connect as all
 * of them, and Basic auth can no longer tell them apart. A key goes to one station per request. The
 * message never repeats the key.
 */
export function sharedKeyRefusal(action: CsAction16, payload: Record<string, unknown>, stationIds: readonly string[]): OcppCommandReply | undefined {
  if (action !== 'ChangeConfiguration' || !isConfigurationKey(payload['key'], 'AuthorizationKey')) return undefined;
  const stations = new Set(stationIds).size;
  if (stations <= 1) return undefined;
  const description = `an AuthorizationKey is sent to one station per request (${stations} named): each station needs its own key`;
  return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description, details: { stationIds: description } };
}

/** A grid-limit profile smart charging keeps on a station, as the charger holds it (what it accepted, else what is due). */
export interface ManagedProfile {
  connectorId: number;
  purpose: string;
  stackLevel: number;
}

interface Slot {
  connectorId: number;
  purpose: string;
  stackLevel: number;
}

/**
 * The (connector, purpose, stack level) places the grid limits occupy on the charger: each managed
 * profile's own; a TxDefaultProfile (a connector's, or connector 0's emulated cap) also every
 * TxProfile level from 0 (a TxProfile overrides the TxDefaultProfile for its transaction whatever
 * the levels, §3.13.1: levels compare within a purpose; a connector's limit also goes to a running
 * transaction as a TxProfile copy at its own level); and, with leases, the level-0 fallback under
 * a level-1 lease.
 */
function slotsOf(managed: readonly ManagedProfile[], leases: boolean): Slot[] {
  return managed.flatMap((m) => {
    const own = { connectorId: m.connectorId, purpose: m.purpose, stackLevel: m.stackLevel };
    if (m.purpose !== 'TxDefaultProfile') return [own];
    const slots = [own, { ...own, purpose: 'TxProfile', stackLevel: 0 }];
    if (m.connectorId === 0) return slots;
    if (leases && m.stackLevel >= 1) slots.push({ ...own, stackLevel: 0 });
    return slots;
  });
}

/**
 * An operator's profile that would take a grid limit's place on the charger, or prevail over it:
 * OCPP 1.6 (§3.13.2) has a charger replace the profile with the same purpose and stack level on
 * the connector, whatever its id, and, among the profiles of one purpose in effect, the highest
 * stack level prevails; a connector-0 TxDefaultProfile is the default of every connector (a
 * connector's own replaces it for that connector). Such a SetChargingProfile would silently lift
 * the grid limit while our view shows it applied — one above the limit's level too, even with a
 * lower limit today: it keeps prevailing when the grid limit falls below it. A
 * RemoteStartTransaction's TxProfile at or above the level of the connector's limit would replace,
 * or prevail over, the limit's copy for the transaction once it runs (the connector is the
 * charger's choice when not given: any connector's limit then). The operator limits a grid-managed
 * station through the planner's caps, or below the grid limit's level (not in effect while it is).
 */
export function managedSlotRefusal(action: CsAction16, payload: Record<string, unknown>, managed: readonly ManagedProfile[], leases: boolean): OcppCommandReply | undefined {
  if (managed.length === 0) return undefined;
  const profile = PROFILE_OF[action]?.(payload) as Record<string, unknown> | undefined;
  const connectorId = action === 'RemoteStartTransaction' ? (payload['connectorId'] ?? 0) : payload['connectorId'];
  if (typeof profile !== 'object' || profile === null || typeof connectorId !== 'number') return undefined;
  const purpose = profile['chargingProfilePurpose'];
  const stackLevel = profile['stackLevel'];
  const taken = slotsOf(managed, leases).find(
    (s) => s.purpose === purpose && typeof stackLevel === 'number' && stackLevel >= s.stackLevel && (s.connectorId === connectorId || s.connectorId === 0 || connectorId === 0),
  );
  if (!taken || !sendable(action, payload)) return undefined;
  const where = action === 'RemoteStartTransaction' && payload['connectorId'] === undefined ? 'on the connector the charger picks' : `on connector ${connectorId}`;
  return conflict(
    `a ${String(purpose)} at stack level ${String(stackLevel)} ${where} would replace, or prevail over, the grid limit this platform keeps on connector ${taken.connectorId}${purpose === 'TxProfile' ? ' (a TxProfile overrides it at any level); use' : ` at stack level ${taken.stackLevel}; use a lower stack level, or`} the planner's caps`,
    { connectorId, chargingProfilePurpose: purpose, stackLevel, gridLimitConnectorId: taken.connectorId },
  );
}

/**
 * A connector the station does not have: `connectorId` above the NumberOfConnectors it reported
 * (`count`; connector 0, the whole station, where the action takes it, is always there). The
 * charger would reject it or, worse, read it its own way. Left to the executor when the payload is
 * invalid anyway (its 400 names every bad field).
 */
export function connectorCountRefusal(action: CsAction16, payload: Record<string, unknown>, count: number): OcppCommandReply | undefined {
  const connectorId = payload['connectorId'];
  if (typeof connectorId !== 'number' || !Number.isInteger(connectorId) || connectorId <= count || !sendable(action, payload)) return undefined;
  const message = `is ${connectorId}, beyond the station's ${count} connector${count === 1 ? '' : 's'} (NumberOfConnectors ${count}, as the station reported)`;
  return {
    status: 'error',
    code: OcppCommandErrorCode.InvalidRequest,
    description: `/connectorId ${message}`,
    details: { errors: [{ path: '/connectorId', keyword: 'stationLimit', message, params: { key: 'NumberOfConnectors', limit: count } }] },
  };
}
