import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import type { ValidationError16 } from '@cpo/ocpp-protocol';
import type { CallOutcome } from '../connection/outbound-calls.js';

/** The outcomes of a CALL that got no CallResult. */
export type CallFailure = Exclude<CallOutcome, { kind: 'result' }>;
/**
 * Whether the charger may have received (and acted on) a CALL that got no CallResult we accept: no
 * answer in time to the call in flight, the socket closed with the call possibly delivered, or a
 * CALLRESULT malformed or breaking its schema (it answered, perhaps having acted). A CallError or a
 * call never sent (offline, queue full, replaced, refused by our own checks, queued when the socket
 * closed or still queued at its deadline) left nothing with the charger.
 */
export function mayHaveReachedCharger(failure: CallFailure): boolean {
  if (failure.kind === 'timeout' || failure.kind === 'disconnected') return failure.unsent !== true;
  return failure.kind === 'error' && failure.mayHaveActed === true;
}

/** The codes this service answers beside the charger's CallError codes (the contract's list, by the names the executor used first). */
export const LocalCommandErrorCode = {
  QueueFull: OcppCommandErrorCode.QueueFull,
  QueueTimeout: OcppCommandErrorCode.QueueTimeout,
  Superseded: OcppCommandErrorCode.Superseded,
  NotAccepted: OcppCommandErrorCode.NotAccepted,
  Conflict: OcppCommandErrorCode.Conflict,
  CentralSystemError: OcppCommandErrorCode.CentralSystemError,
} as const;

/** One InvalidRequest naming the first field, every violation in its details. */
export function refusalOf(violations: ValidationError16[]): OcppCommandReply | undefined {
  if (violations.length === 0) return undefined;
  const first = violations[0]!;
  const more = violations.length > 1 ? ` (+${violations.length - 1} more)` : '';
  return invalid(`${first.path} ${first.message}${more}`, { errors: violations });
}

/**
 * The reply for a call's outcome. Where the charger may have acted (mayHaveReachedCharger, the rule
 * the command's effects follow) although the code reads as a failure, the reply says so: a caller
 * such as an OCPI command must not report a refusal for what the charger may have carried out.
 * A timeout says it by its code (and older replicas would not read the flag).
 */
export function replyOf(outcome: CallOutcome, action: string): OcppCommandReply {
  switch (outcome.kind) {
    case 'result':
      return { status: 'ok', payload: outcome.payload };
    case 'error':
      return { status: 'error', code: outcome.code, description: outcome.description.slice(0, 1024), details: outcome.details, ...mayHaveActed(outcome) };
    case 'timeout':
      if (outcome.unsent) {
        const held = outcome.behind ? ` (a ${outcome.behind} still unanswered)` : '';
        return error(LocalCommandErrorCode.QueueTimeout, `the station was busy with earlier calls until the timeout${held}: ${action} was never sent, so the charger did not get it`);
      }
      return error(OcppCommandErrorCode.Timeout, `the charger did not answer ${action} in time`);
    case 'disconnected':
      if (outcome.unsent) return error(OcppCommandErrorCode.Offline, 'the station disconnected before the call was sent');
      return { ...error(OcppCommandErrorCode.Offline, 'the station disconnected before answering'), ...mayHaveActed(outcome) };
    case 'queue-full':
      return error(LocalCommandErrorCode.QueueFull, 'too many commands are queued for this station');
    case 'superseded':
      return error(LocalCommandErrorCode.Superseded, 'a newer command replaced this one before it was sent');
  }
}

function mayHaveActed(failure: CallFailure): { mayHaveActed?: true } {
  return mayHaveReachedCharger(failure) ? { mayHaveActed: true } : {};
}

export function invalid(description: string, details?: unknown): OcppCommandReply {
  return { status: 'error', code: OcppCommandErrorCode.InvalidRequest, description: description.slice(0, 1024), details };
}

/** The contract caps a description at 1,024 characters: a longer one (a database error's message) would make a forwarded reply unreadable. */
export function error(code: string, description: string): OcppCommandReply {
  return { status: 'error', code, description: description.slice(0, 1024) };
}
