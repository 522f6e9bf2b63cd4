import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  type ErrorKind,
} from '@cpo/platform';
import type { RemsErrorType } from '@cpo/rems-protocol';

/**
 * The REMS error type travels in a named platform error's `details`, so services stay protocol-free
 * in shape while the device-API filter can render the guide's exact `errorType`.
 */
export interface RemsErrorDetails {
  errorType: RemsErrorType;
  fieldError?: Record<string, string>;
}

type ErrorClass = new (message: string, details?: unknown) => DomainError;

const classOf: Partial<Record<RemsErrorType, ErrorClass>> = {
  ALREADY_CONNECTED: ValidationError,
  VALIDATION_FAILED: ValidationError,
  INVALID_METER_DATA: ValidationError,
  PORT_OUT_OF_RANGE: ValidationError,
  UNAUTHORIZED: UnauthorizedError,
  TOKEN_EXPIRED: UnauthorizedError,
  INVALID_CREDENTIALS: UnauthorizedError,
  INVALID_REFRESH_TOKEN: UnauthorizedError,
  FORBIDDEN: ForbiddenError,
  DEVICE_INACTIVE: ForbiddenError,
  DEVICE_NOT_FOUND: NotFoundError,
  COMMAND_NOT_FOUND: NotFoundError,
  INVALID_STATUS_TRANSITION: ConflictError,
};

/** A named platform error (ValidationError, NotFoundError, …) tagged with its REMS error type. */
export function remsError(errorType: RemsErrorType, message: string, fieldError?: Record<string, string>): DomainError {
  const Klass = classOf[errorType];
  if (!Klass) throw new Error(`${errorType} is not an error a service raises`);
  return new Klass(message, { errorType, fieldError } satisfies RemsErrorDetails);
}

/** Default REMS error type of an untagged platform error. */
export const errorTypeOfKind: Record<ErrorKind, RemsErrorType> = {
  validation: 'VALIDATION_FAILED',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'DEVICE_NOT_FOUND',
  conflict: 'INVALID_STATUS_TRANSITION',
  timeout: 'INTERNAL_ERROR',
  unavailable: 'INTERNAL_ERROR',
};

export function remsDetailsOf(error: DomainError): RemsErrorDetails | undefined {
  const d = error.details as Partial<RemsErrorDetails> | undefined;
  return d && typeof d === 'object' && typeof d.errorType === 'string' ? (d as RemsErrorDetails) : undefined;
}
