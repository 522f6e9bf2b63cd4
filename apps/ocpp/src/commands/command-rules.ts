import type { ValidationError16 } from '@cpo/ocpp-protocol';

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

type Payload = Record<string, unknown>;

/**
 * Integer fields the OCA schemas leave unbounded but we store in `integer` columns (reservations,
 * remote starts, local lists): a larger value must be a 400 here, not a database error later.
 */
const STORED_INT32_FIELDS: Readonly<Partial<Record<string, readonly string[]>>> = {
  ReserveNow: ['connectorId', 'reservationId'],
  CancelReservation: ['reservationId'],
  RemoteStartTransaction: ['connectorId'],
  SendLocalList: ['listVersion'],
};

function violation(path: string, message: string, params: Record<string, unknown> = {}): ValidationError16 {
  return { path, keyword: 'rule', message, params };
}

/**
 * What a schema-valid CS→CP payload still must not carry: the guide's rules beyond the OCA schema
 * (§2.2 RemoteStartTransaction) and the ranges our storage holds. Same shape as the schema
 * errors, so the caller gets one list of per-field messages.
 */
export function commandRuleViolations(action: string, payload: Payload): ValidationError16[] {
  const found: ValidationError16[] = [];
  for (const field of STORED_INT32_FIELDS[action] ?? []) {
    const value = payload[field];
    if (typeof value === 'number' && (value < INT32_MIN || value > INT32_MAX)) {
      found.push(violation(`/${field}`, `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX})`, { min: INT32_MIN, max: INT32_MAX }));
    }
  }
  if (action === 'RemoteStartTransaction') found.push(...remoteStartViolations(payload));
  return found;
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
