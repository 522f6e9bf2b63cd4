import { parseDateTimeMs, type ValidationError16 } from '@cpo/ocpp-protocol';
import { payloadValueViolations } from './payload-values.js';
import { chargingProfileViolations } from './profile-rules.js';
import { transferViolations } from './transfer-rules.js';

type Payload = Record<string, unknown>;

/**
 * The least `connectorId` each action's field definition allows (OCPP 1.6 §6): 0 is the whole
 * station where the action gives it that meaning (ChangeAvailability, ReserveNow with
 * ReserveConnectorZeroSupported, the profiles and the grid connection's schedule); UnlockConnector
 * and TriggerMessage take a connector > 0 (for the whole station a trigger leaves it out: guide §2.7).
 * RemoteStartTransaction has its own rule below. The schema types it only as an integer, so a
 * negative id reached the charger.
 */
const LEAST_CONNECTOR_ID: Readonly<Partial<Record<string, 0 | 1>>> = {
  ChangeAvailability: 0,
  ReserveNow: 0,
  SetChargingProfile: 0,
  ClearChargingProfile: 0,
  GetCompositeSchedule: 0,
  UnlockConnector: 1,
  TriggerMessage: 1,
  ExtendedTriggerMessage: 1,
};

/**
 * The idTags a command names for whom the charger is to act. The OCA IdToken has no minimum
 * length, so `""` passes the schema; the charger would then start a session or hold a connector for
 * no one. Only commands we send: a charger's own StartTransaction/Authorize may carry an empty
 * idTag (free vend), and those stay accepted.
 */
const ID_TAG_FIELDS: Readonly<Partial<Record<string, readonly string[]>>> = {
  RemoteStartTransaction: ['idTag'],
  ReserveNow: ['idTag', 'parentIdTag'],
};

function violation(path: string, message: string, params: Record<string, unknown> = {}): ValidationError16 {
  return { path, keyword: 'rule', message, params };
}

/**
 * What a schema-valid CS→CP payload still must not carry: the guide's rules beyond the OCA schema
 * (§2.2 RemoteStartTransaction), the values our storage and the charger's types hold, and a ReserveNow already over.
 * Same shape as the schema errors, so the caller gets one list of per-field messages. Reads only
 * the fields it checks, so it also applies to a payload not yet completed (no reservationId).
 */
export function commandRuleViolations(action: string, payload: Payload, nowMs = Date.now()): ValidationError16[] {
  // First: the values neither the charger's types nor our storage hold (every path checks them here).
  const found: ValidationError16[] = payloadValueViolations(action, payload);
  if (action === 'RemoteStartTransaction') found.push(...remoteStartViolations(payload));
  if (action === 'ReserveNow') found.push(...reserveNowViolations(payload, nowMs));
  for (const field of ID_TAG_FIELDS[action] ?? []) found.push(...emptyIdTagViolations(payload, field));
  if (action === 'SendLocalList') found.push(...localListViolations(payload));
  if (action === 'SetChargingProfile') found.push(...chargingProfileViolations(payload['csChargingProfiles'], '/csChargingProfiles'));
  if (action === 'RemoteStartTransaction') found.push(...chargingProfileViolations(payload['chargingProfile'], '/chargingProfile', false));
  found.push(...connectorViolations(action, payload));
  found.push(...transferViolations(action, payload));
  if (action === 'ChangeConfiguration' && isConfigurationKey(payload['key'], 'SecurityProfile')) found.push(...securityProfileValueViolations(payload['value']));
  if (action === 'ChangeConfiguration' && isConfigurationKey(payload['key'], 'AuthorizationKey')) found.push(...authorizationKeyViolations(payload['value']));
  return found;
}

/** Whitepaper ed. 3 (A00.FR.205): the Basic-auth password is 16–40 characters; a 20-byte key is 40 hex digits. */
const AUTHORIZATION_KEY_LENGTH = { minLength: 16, maxLength: 40 };

/**
 * The schema takes any value up to 500 characters, `""` included: a charger that accepted an empty
 * or short key would let anyone who knows its identity in. The message never repeats the key.
 */
function authorizationKeyViolations(value: unknown): ValidationError16[] {
  if (typeof value !== 'string') return [];
  const length = [...value].length;
  if (length >= AUTHORIZATION_KEY_LENGTH.minLength && length <= AUTHORIZATION_KEY_LENGTH.maxLength) return [];
  return [violation('/value', `AuthorizationKey must be 16–40 characters (got ${length})`, { ...AUTHORIZATION_KEY_LENGTH })];
}

/** Whether `key` names the configuration key `name`: keys are CiString (`securityprofile` is the SecurityProfile). */
export function isConfigurationKey(key: unknown, name: string): boolean {
  return typeof key === 'string' && key.toLowerCase() === name.toLowerCase();
}

/** The profile a `SecurityProfile` value names (blanks around it tolerated, as when it is recorded), or undefined. */
export function securityProfileOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^\s*[0-3]\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * Whitepaper ed. 3: the SecurityProfile key takes 0–3. Profile 3 authenticates the charger by its
 * TLS client certificate instead of Basic auth, and this central system checks neither client
 * certificates (no mutual TLS) nor lets a secured station in without Basic credentials: a charger
 * switched to 3 could never connect again.
 */
function securityProfileValueViolations(value: unknown): ValidationError16[] {
  const profile = securityProfileOf(value);
  if (profile === undefined) return [violation('/value', 'SecurityProfile must be 0, 1, 2 or 3', { allowedValues: ['0', '1', '2', '3'] })];
  if (profile === 3) return [violation('/value', 'SecurityProfile 3 (TLS client certificates) is not supported by this central system: the charger could not connect again')];
  return [];
}

/** What the central system knows of a station's security (the upgrade's admission row). */
export interface StationSecurity {
  securityProfile: number;
  passwordHash: string | null;
  pendingPasswordHash: string | null;
}

/**
 * Why a schema- and rule-valid `SecurityProfile` change must not be sent to a station, if it must
 * not. A charger that accepts a profile reconnects under it at once (whitepaper ed. 3), so the
 * preconditions are ours to check: a profile is never lowered over OCPP (A00.FR.005); raising it
 * to 1 or 2 needs a Basic-auth key we can verify (a key only pending, `RebootRequired`, is not
 * known to be in use); 2 needs TLS on this service (`tlsAvailable`). Otherwise every reconnection
 * is refused and the station is lost to remote management.
 */
export function securityProfileRefusal(value: string, station: StationSecurity | undefined, tlsAvailable: boolean): string | undefined {
  const target = securityProfileOf(value);
  if (target === undefined) return undefined; // refused as a rule violation already
  const current = station?.securityProfile ?? 0;
  if (target < current) return `the station is at security profile ${current}; a profile is never lowered over OCPP (change it on the charger, then with PUT /stations/{id})`;
  if (target === 0 || target === current) return undefined;
  if (!station?.passwordHash) {
    const why = station?.pendingPasswordHash ? 'its new AuthorizationKey is still pending (the charger answered RebootRequired and has not used it yet)' : 'no Basic-auth password (AuthorizationKey) is stored for it';
    return `security profile ${target} cannot be set: ${why}, so the charger's reconnection could not be authenticated`;
  }
  if (target >= 2 && !tlsAvailable) return `security profile ${target} needs TLS, and this central system has none configured (HTTP_TLS_CERT_FILE or OCPP_TRUST_PROXY_TLS): the charger could not connect again`;
  return undefined;
}

/** Guide §2.2: `connectorId` > 0 when given; a profile must be a TxProfile without `transactionId` (the transaction does not exist yet). */
function remoteStartViolations(payload: Payload): ValidationError16[] {
  const found: ValidationError16[] = [];
  const connectorId = payload['connectorId'];
  if (typeof connectorId === 'number' && connectorId <= 0) found.push(violation('/connectorId', 'must be > 0 (leave it out to let the charger choose)', { exclusiveMinimum: 0 }));
  const profile = payload['chargingProfile'];
  if (typeof profile === 'object' && profile !== null) {
    const { chargingProfilePurpose: purpose, transactionId } = profile as Payload;
    if (purpose !== 'TxProfile') found.push(violation('/chargingProfile/chargingProfilePurpose', 'must be TxProfile in RemoteStartTransaction', { allowedValue: 'TxProfile' }));
    if (transactionId !== undefined) found.push(violation('/chargingProfile/transactionId', 'must be absent in RemoteStartTransaction: the transaction does not exist yet'));
  }
  return found;
}

function emptyIdTagViolations(payload: Payload, field: string): ValidationError16[] {
  if (payload[field] !== '') return [];
  const hint = field === 'parentIdTag' ? 'leave it out for no parent' : 'the tag the charger is to act for';
  return [violation(`/${field}`, `must not be empty (${hint})`, { minLength: 1 })];
}

/**
 * Connector ids below what the action allows, and the rules of §5.16 / §5.7 the schema cannot hold:
 * a ChargePointMaxProfile only on connector 0, a TxProfile only on a connector > 0 (the charger
 * would answer Rejected, read as its own choice), and a composite schedule of a positive duration.
 */
function connectorViolations(action: string, payload: Payload): ValidationError16[] {
  const found: ValidationError16[] = [];
  const least = LEAST_CONNECTOR_ID[action];
  const connectorId = payload['connectorId'];
  if (least !== undefined && typeof connectorId === 'number' && connectorId < least) {
    const hint = least === 0 ? '0 is the whole station' : action.endsWith('TriggerMessage') ? 'leave it out for the whole station' : 'a connector of the station';
    found.push(violation('/connectorId', `must be >= ${least} (${hint})`, { minimum: least }));
  }
  if (action === 'GetCompositeSchedule' && typeof payload['duration'] === 'number' && payload['duration'] <= 0) {
    found.push(violation('/duration', 'must be > 0 (seconds of the schedule asked for)', { exclusiveMinimum: 0 }));
  }
  const profile = action === 'SetChargingProfile' ? payload['csChargingProfiles'] : undefined;
  if (typeof profile === 'object' && profile !== null && typeof connectorId === 'number') {
    const purpose = (profile as Payload)['chargingProfilePurpose'];
    if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) found.push(violation('/csChargingProfiles/chargingProfilePurpose', 'ChargePointMaxProfile is set on connector 0 only'));
    if (purpose === 'TxProfile' && connectorId === 0) found.push(violation('/csChargingProfiles/chargingProfilePurpose', 'TxProfile is set on a connector > 0 only (the one its transaction runs on)'));
  }
  return found;
}

/**
 * SendLocalList's rules, which hold whatever the station, so they are checked here (before the
 * command travels: an offline station and a bulk command get the 400 too), not where it runs.
 * OCPP 1.6 §6.3: in a Full update every entry carries `idTagInfo` (only a Differential one deletes
 * a tag by leaving it out). §5.15: the idTags of a list are unique (IdToken is a CiString: `a1` and
 * `A1` are one). §5.10: the charger reports `0` for an empty list and `-1` for no list support, so a
 * version below 1 would read as "empty" or "not supported" while it holds tags; `0` is only for a
 * Full update that empties the list.
 */
function localListViolations(payload: Payload): ValidationError16[] {
  const found: ValidationError16[] = [];
  const full = payload['updateType'] === 'Full';
  const list = Array.isArray(payload['localAuthorizationList']) ? (payload['localAuthorizationList'] as unknown[]) : [];
  const version = payload['listVersion'];
  if (typeof version === 'number' && (version < 0 || (version === 0 && !(full && list.length === 0)))) {
    found.push(violation('/listVersion', 'must be 1 or more (0 only for a Full update that empties the list: 0 is the empty list, -1 no list support)', { minimum: 1 }));
  }
  const seen = new Map<string, number>();
  list.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null) return;
    const { idTag, idTagInfo } = entry as Payload;
    if (full && idTagInfo === undefined) found.push(violation(`/localAuthorizationList/${i}/idTagInfo`, 'is required in a Full update (only a Differential update deletes a tag by leaving it out)'));
    if (typeof idTag !== 'string') return;
    const first = seen.get(idTag.toLowerCase());
    if (first === undefined) seen.set(idTag.toLowerCase(), i);
    else found.push(violation(`/localAuthorizationList/${i}/idTag`, `duplicates entry ${first} (idTags must be unique, compared without case)`, { duplicateOf: first }));
  });
  return found;
}

/**
 * A reservation whose `expiryDate` is at or before now has ended on arrival (guide §2.5): the
 * charger may still hold the connector for it by its own clock, while our view shows it Expired.
 * The zone is read leniently, as the reservation is recorded (a missing `Z` is UTC).
 */
function reserveNowViolations(payload: Payload, nowMs: number): ValidationError16[] {
  const expiry = payload['expiryDate'];
  const ms = typeof expiry === 'string' ? parseDateTimeMs(expiry, { missingZone: 'utc' }) : undefined;
  if (ms === undefined || ms > nowMs) return [];
  return [violation('/expiryDate', 'must be in the future: a reservation that has expired on arrival is not sent', { now: new Date(nowMs).toISOString() })];
}
