/**
 * The platform's small set of named errors. Services throw these; each protocol
 * edge (operator REST, OCPP CallError, OSCP, OCPI, REMS) maps them to its own
 * wire format, so rules never need to know which protocol asked.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'unavailable';

/** Input is malformed or violates a rule; `details` carries per-field messages. */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
}
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}
/** The request conflicts with current state (duplicate, wrong state transition). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}
export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized' as const;
}
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}
/** A peer (charger, partner, bus responder) did not answer in time. */
export class TimeoutError extends DomainError {
  readonly kind = 'timeout' as const;
}
/** A dependency is unreachable (no responder, connection down, partner offline). */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
}

export const httpStatusOf: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  timeout: 504,
};
