import type { OcppCommandReply } from '@cpo/contracts';

/**
 * The OCPI CommandResult of a RemoteStopTransaction sent to one of our own chargers over
 * `ocpp.command.{stationId}`: the charger's Accepted → ACCEPTED, any other status → REJECTED; the
 * charger not answering in time → TIMEOUT, and so is an error the ocpp service marks `mayHaveActed`
 * (the socket closed after the CALL could be sent, a malformed CALLRESULT): the charger may have
 * stopped the session, so the eMSP must not read it as refused (ocpp's own OCPI mapping does the
 * same); the station offline, a CallError or no ocpp replica answering the bus → FAILED (REJECTED
 * for 2.1.1 eMSPs, via resultFor211).
 */
export function ownStopResult(reply: OcppCommandReply | undefined, busFailure?: 'timeout' | 'unavailable'): { result: string; message?: string } {
  if (busFailure === 'timeout') return { result: 'TIMEOUT', message: 'the charge point did not answer in time' };
  if (busFailure === 'unavailable' || !reply) return { result: 'FAILED', message: 'the charge point could not be reached' };
  if (reply.status === 'ok') {
    const status = typeof reply.payload.status === 'string' ? reply.payload.status : undefined;
    return status === 'Accepted' ? { result: 'ACCEPTED' } : { result: 'REJECTED', message: `the charge point answered ${status ?? 'without a status'}` };
  }
  if (reply.mayHaveActed === true) return { result: 'TIMEOUT', message: `the outcome is unknown (${reply.code}): the charge point may have stopped the session` };
  if (reply.code === 'Timeout') return { result: 'TIMEOUT', message: 'the charge point did not answer in time' };
  if (reply.code === 'Offline') return { result: 'FAILED', message: 'the charge point is offline' };
  // ocpp's local code for a call still queued behind earlier ones at its timeout: never sent.
  if (reply.code === 'QueueTimeout') return { result: 'FAILED', message: 'the charge point was busy with earlier calls: the stop was never sent' };
  return { result: 'FAILED', message: `the charge point refused the call: ${reply.code}` };
}
