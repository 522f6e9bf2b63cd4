import type { OcpiCommandRequested, OcpiCommandResultType, OcppCommandReply } from '@cpo/contracts';
import { parseDateTime } from '@cpo/ocpi-protocol';
import type { CsAction16, JsonObject } from '@cpo/ocpp-protocol';
import { commandRuleViolations } from '../commands/command-rules.js';

export type OcppCall = { action: CsAction16; payload: JsonObject };

/** OCPP 1.6 transaction ids are int32. */
const INT32_MAX = 2_147_483_647;

/** OCPP idTag from an OCPI token (uid, at most 20 characters in OCPP 1.6). */
function idTagOf(parameters: JsonObject): string | undefined {
  const token = parameters['token'] as { uid?: unknown } | undefined;
  return typeof token?.uid === 'string' && token.uid.length > 0 && token.uid.length <= 20 ? token.uid : undefined;
}

/**
 * The OCPI reservation id of a command as text: OCPI 2.1.1 sends an integer, 2.2.1 a string, and
 * the hub keeps them as text, so a 2.1.1 id must be remembered too (else a RESERVE_NOW reusing it
 * adds a second reservation on the charger instead of replacing the first).
 */
export function ocpiReservationIdOf(parameters: JsonObject): string | undefined {
  const value = parameters['reservation_id'];
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
}

/**
 * OCPP's expiryDate from OCPI's expiry_date. OCPI may leave the designator out (then it is UTC);
 * OCPP 1.6 requires one, and without it the call fails validation before reaching the charger.
 */
function expiryDateOf(parameters: JsonObject): string | undefined {
  const value = parameters['expiry_date'];
  if (typeof value !== 'string' || !parseDateTime(value)) return undefined;
  return /(?:Z|[+-]00:00)$/.test(value) ? value : `${value}Z`;
}

/**
 * The OCPP 1.6 call an OCPI command stands for, or the result to report at once when it cannot be
 * expressed (a token too long for an idTag, a session that is not one of our transactions).
 * `reservationId` is ours (int32), allocated by the caller; OCPI's own id is a string.
 */
export function ocppCallFor(
  command: OcpiCommandRequested,
  ids: { reservationId?: number; cancelReservationId?: number },
  nowMs = Date.now(),
): OcppCall | { result: OcpiCommandResultType; message: string } {
  const p = command.parameters;
  switch (command.type) {
    case 'START_SESSION': {
      const idTag = idTagOf(p);
      if (!idTag) return { result: 'REJECTED', message: 'the token uid cannot be used as an OCPP 1.6 idTag (1–20 characters)' };
      return { action: 'RemoteStartTransaction', payload: { idTag, ...(command.connectorId ? { connectorId: command.connectorId } : {}) } };
    }
    case 'STOP_SESSION': {
      // Sessions of our own chargers carry the OCPP transaction id as their OCPI id, written by
      // String(): any other spelling ('1e1', '0x10', ' 7') is no session of ours, not a transaction to stop.
      const sessionId = p['session_id'];
      const transactionId = typeof sessionId === 'string' && /^(0|[1-9]\d{0,9})$/.test(sessionId) ? Number(sessionId) : undefined;
      if (transactionId === undefined || transactionId > INT32_MAX) return { result: 'REJECTED', message: `unknown session ${String(sessionId)}` };
      return { action: 'RemoteStopTransaction', payload: { transactionId } };
    }
    case 'RESERVE_NOW': {
      const idTag = idTagOf(p);
      const expiryDate = expiryDateOf(p);
      if (!idTag || !expiryDate || ids.reservationId === undefined) return { result: 'REJECTED', message: 'token or expiry_date missing or invalid' };
      // The executor refuses it too (a reservation over on arrival is never sent), but as an error
      // that reads FAILED ("failed at the Charge Point"): it is the CPO's refusal, REJECTED.
      const expired = commandRuleViolations('ReserveNow', { expiryDate }, nowMs)[0];
      if (expired) return { result: 'REJECTED', message: `expiry_date ${expired.message}` };
      return { action: 'ReserveNow', payload: { connectorId: command.connectorId ?? 0, expiryDate, idTag, reservationId: ids.reservationId } };
    }
    case 'CANCEL_RESERVATION':
      if (ids.cancelReservationId === undefined) return { result: 'UNKNOWN_RESERVATION', message: `unknown reservation ${String(p['reservation_id'])}` };
      return { action: 'CancelReservation', payload: { reservationId: ids.cancelReservationId } };
    case 'UNLOCK_CONNECTOR':
      if (!command.connectorId) return { result: 'REJECTED', message: 'no connector given' };
      return { action: 'UnlockConnector', payload: { connectorId: command.connectorId } };
  }
}

/**
 * The OCPI result of the charger's answer (or of why there was none). An outcome the charger may
 * have carried out (no answer in time, the socket closed after the call could have been sent, a
 * malformed answer) is TIMEOUT ("no response received in a reasonable time"), not FAILED ("failed
 * at the Charge Point"): the eMSP must not take it as done nor as not done, just as our own records
 * keep it open (the reservation TimedOut, so still cancellable; the remote start awaiting its start).
 */
export function ocpiResultOf(action: CsAction16, reply: OcppCommandReply): OcpiCommandResultType {
  if (reply.status === 'error') {
    if (reply.code === 'Timeout' || reply.mayHaveActed === true) return 'TIMEOUT';
    if (reply.code === 'NotSupported' || reply.code === 'NotImplemented') return 'NOT_SUPPORTED';
    return 'FAILED';
  }
  const status = String(reply.payload['status']);
  switch (action) {
    case 'ReserveNow':
      return status === 'Accepted' ? 'ACCEPTED' : status === 'Occupied' ? 'EVSE_OCCUPIED' : status === 'Faulted' || status === 'Unavailable' ? 'EVSE_INOPERATIVE' : 'REJECTED';
    case 'CancelReservation':
      return status === 'Accepted' ? 'CANCELED_RESERVATION' : 'UNKNOWN_RESERVATION';
    case 'UnlockConnector':
      return status === 'Unlocked' ? 'ACCEPTED' : status === 'NotSupported' ? 'NOT_SUPPORTED' : 'FAILED';
    default:
      return status === 'Accepted' ? 'ACCEPTED' : 'REJECTED';
  }
}
