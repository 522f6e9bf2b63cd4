import { OcppStopReason, schemaVersionOf, Subjects, validateEvent, type OcppAuthorizationStatus, type OcppTransactionStarted, type OcppTransactionStopped } from '@cpo/contracts';

/**
 * A transaction event as the bus contract can carry it, built from what a lenient charger sent
 * (guide §2.1: transaction messages are stored even when they break the schema). `adjusted` lists
 * what had to change for the contract (to be logged: the database keeps the message as sent);
 * `event` is undefined only when no contract-valid payload could be built, with the reason in
 * `invalid`. Either way the message itself is stored and acknowledged: an event must never roll
 * back the commit it belongs to, which would make the charger resend and finally discard it.
 */
export interface BuiltEvent<E> {
  event?: E;
  adjusted: string[];
  invalid?: string;
}

const REASONS = new Map<string, OcppStopReason>(OcppStopReason.options.map((r) => [comparable(r), r]));

/** Lower case, letters and digits only: `Deauthorized`, `de-authorized` and `DeAuthorized` compare equal. */
function comparable(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The contract's `OcppStopReason` closest to a charger's `reason`: the same value, else the value
 * that differs only in case or punctuation (firmware writes `Deauthorized`, `EV-Disconnected`, …),
 * else `Other`. An absent reason stays absent (OCPP 1.6: absent = `Local`). The exact text is kept
 * in the database (`transactions.stop_reason`), so nothing is lost by the mapping.
 */
export function contractStopReason(reason: unknown): OcppStopReason | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string') return 'Other';
  return REASONS.get(comparable(reason)) ?? 'Other';
}

/** The contract's energies are non-negative: a negative meter register (broken or reset meter) is published as 0. */
function meterForEvent(field: string, wh: number, adjusted: string[]): number {
  if (wh >= 0) return wh;
  adjusted.push(`${field} ${wh} Wh is negative: published as 0`);
  return 0;
}

function checked<E>(subject: typeof Subjects.OcppTransactionStarted | typeof Subjects.OcppTransactionStopped, event: E, adjusted: string[]): BuiltEvent<E> {
  const result = validateEvent(subject, schemaVersionOf(subject), event);
  return result.ok ? { event, adjusted } : { adjusted, invalid: result.reason };
}

export function transactionStartedEvent(s: {
  stationId: string;
  connectorId: number;
  transactionId: number;
  /** The start's idTag as sent; an empty one (a free-vend charger's) is published as absent. */
  idTag: string;
  meterStart: number;
  startedAt: Date;
  reservationId?: number;
  /** The eMSP's OCPI authorization_reference stored with the transaction (null: none). */
  authorizationReference?: string | null;
  /** The idTagInfo status answered to the StartTransaction (stored with the transaction). */
  idTagStatus: OcppAuthorizationStatus;
}): BuiltEvent<OcppTransactionStarted> {
  const adjusted: string[] = [];
  const event: OcppTransactionStarted = {
    stationId: s.stationId,
    connectorId: s.connectorId,
    transactionId: s.transactionId,
    // Left out when empty, as on the stop: the session is published all the same (a connector in use).
    ...(s.idTag ? { idTag: s.idTag } : {}),
    meterStartWh: meterForEvent('meterStart', s.meterStart, adjusted),
    startedAt: s.startedAt.toISOString(),
    reservationId: s.reservationId,
    // Left out rather than sent empty: ocpp releases before it sent none, and consumers read absent as none.
    ...(s.authorizationReference ? { authorizationReference: s.authorizationReference } : {}),
    // Refused starts are published too (the connector is in use all the same): consumers that
    // settle or roam a session must tell them apart.
    idTagStatus: s.idTagStatus,
  };
  return checked(Subjects.OcppTransactionStarted, event, adjusted);
}

export function transactionStoppedEvent(s: {
  stationId: string;
  transactionId: number;
  /** The stop's idTag as sent; an empty one is published as absent (the contract's idTag is non-empty). */
  idTag?: string;
  meterStop: number;
  stoppedAt: Date;
  reason: unknown;
  /** The energy ocpp settled and stored for the session (`deliveredWh`), so the hub bills the same figure. */
  energyWh: number;
}): BuiltEvent<OcppTransactionStopped> {
  const adjusted: string[] = [];
  const reason = contractStopReason(s.reason);
  if (reason !== undefined && reason !== s.reason) adjusted.push(`reason ${JSON.stringify(s.reason)} is not in the contract: published as ${reason}`);
  const event: OcppTransactionStopped = {
    stationId: s.stationId,
    transactionId: s.transactionId,
    idTag: s.idTag ? s.idTag : undefined,
    meterStopWh: meterForEvent('meterStop', s.meterStop, adjusted),
    stoppedAt: s.stoppedAt.toISOString(),
    reason,
    energyWh: s.energyWh,
  };
  return checked(Subjects.OcppTransactionStopped, event, adjusted);
}
