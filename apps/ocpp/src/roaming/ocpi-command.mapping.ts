import type { OcpiCommandRequested, OcpiCommandResultType, OcppCommandReply } from '@cpo/contracts';
import type { CsAction16, JsonObject } from '@cpo/ocpp-protocol';

export type OcppCall = { action: CsAction16; payload: JsonObject };

/** OCPP idTag from an OCPI token (uid, at most 20 characters in OCPP 1.6). */
function idTagOf(parameters: JsonObject): string | undefined {
  const token = parameters['token'] as { uid?: unknown } | undefined;
  return typeof token?.uid === 'string' && token.uid.length > 0 && token.uid.length <= 20 ? token.uid : undefined;
}

/**
 * The OCPP 1.6 call an OCPI command stands for, or the result to report at once when it cannot be
 * expressed (a token too long for an idTag, a session that is not one of our transactions).
 * `reservationId` is ours (int32), allocated by the caller; OCPI's own id is a string.
 */
export function ocppCallFor(
  command: OcpiCommandRequested,
  ids: { reservationId?: number; cancelReservationId?: number },
): OcppCall | { result: OcpiCommandResultType; message: string } {
  const p = command.parameters;
  switch (command.type) {
    case 'START_SESSION': {
      const idTag = idTagOf(p);
      if (!idTag) return { result: 'REJECTED', message: 'the token uid cannot be used as an OCPP 1.6 idTag (1–20 characters)' };
      return { action: 'RemoteStartTransaction', payload: { idTag, ...(command.connectorId ? { connectorId: command.connectorId } : {}) } };
    }
    case 'STOP_SESSION': {
      // Sessions of our own chargers carry the OCPP transaction id as their OCPI id.
      const transactionId = Number(p['session_id']);
      if (!Number.isInteger(transactionId)) return { result: 'REJECTED', message: `unknown session ${String(p['session_id'])}` };
      return { action: 'RemoteStopTransaction', payload: { transactionId } };
    }
    case 'RESERVE_NOW': {
      const idTag = idTagOf(p);
      if (!idTag || typeof p['expiry_date'] !== 'string' || ids.reservationId === undefined) return { result: 'REJECTED', message: 'token or expiry_date missing' };
      return { action: 'ReserveNow', payload: { connectorId: command.connectorId ?? 0, expiryDate: p['expiry_date'], idTag, reservationId: ids.reservationId } };
    }
    case 'CANCEL_RESERVATION':
      if (ids.cancelReservationId === undefined) return { result: 'UNKNOWN_RESERVATION', message: `unknown reservation ${String(p['reservation_id'])}` };
      return { action: 'CancelReservation', payload: { reservationId: ids.cancelReservationId } };
    case 'UNLOCK_CONNECTOR':
      if (!command.connectorId) return { result: 'REJECTED', message: 'no connector given' };
      return { action: 'UnlockConnector', payload: { connectorId: command.connectorId } };
  }
}

/** The OCPI result of the charger's answer (or of why there was none). */
export function ocpiResultOf(action: CsAction16, reply: OcppCommandReply): OcpiCommandResultType {
  if (reply.status === 'error') {
    if (reply.code === 'Timeout') return 'TIMEOUT';
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
