import { DomainError } from '@cpo/platform';

/** Socket errors of a dependency that cannot be reached (database, broker, another service). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * PostgreSQL SQLSTATEs that say the server, not the statement, failed: class 08 (connection
 * exception), class 53 (insufficient resources: too many connections, disk full) and 57P01..57P03
 * (shut down by an administrator, crashed, not accepting connections yet); and 40001/40P01
 * (serialization failure, deadlock detected): a concurrent transaction's timing, which a retry of
 * the same batch gets past, not the message's fault (two consumers locking the same rows in their
 * events' differing order; a dead-lettered event would be lost work, e.g. a roaming CDR).
 */
const SQLSTATE = /^(?:08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[123]|40001|40P01)$/;

/** What pg and pg-pool throw, without a code, when a connection is lost or cannot be had. */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i;

/**
 * Whether an error says that a dependency (the database above all) is unreachable rather than
 * that something is wrong with the message being processed. A durable consumer never blames a
 * message for such a failure: it naks it with back-off however often it was delivered, so an
 * outage cannot dead-letter events. Handlers signal their own dependencies' outages with the
 * platform's UnavailableError or TimeoutError. Looks through `cause`, TypeORM's `driverError`
 * and AggregateError (a refused connection to every address of a host).
 */
export function isInfrastructureError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  if (err instanceof DomainError) return err.kind === 'unavailable' || err.kind === 'timeout';
  const { code, message, cause, driverError, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; driverError?: unknown; errors?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || SQLSTATE.test(code))) return true;
  if (typeof message === 'string' && CONNECTION_LOST.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isInfrastructureError(e, depth + 1))) return true;
  return isInfrastructureError(driverError, depth + 1) || isInfrastructureError(cause, depth + 1);
}
