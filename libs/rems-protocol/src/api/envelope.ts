/**
 * The enfinity-rems device API envelopes (§3 of the REMS guide). Devices decide success by the
 * presence of `error`, never by the HTTP status.
 */

/** Every `errorType` the device API answers with. */
export const RemsErrorTypes = [
  'ALREADY_CONNECTED',
  'NOT_NEED_UPDATE',
  'VALIDATION_FAILED',
  'INVALID_METER_DATA',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'INVALID_CREDENTIALS',
  'INVALID_REFRESH_TOKEN',
  'FORBIDDEN',
  'DEVICE_INACTIVE',
  'DEVICE_NOT_FOUND',
  'COMMAND_NOT_FOUND',
  'INVALID_STATUS_TRANSITION',
  'PORT_OUT_OF_RANGE',
  'INTERNAL_ERROR',
] as const;
export type RemsErrorType = (typeof RemsErrorTypes)[number];

/** HTTP status (and the body's `status`) of each error type. `NOT_NEED_UPDATE` is a 200 by the guide. */
export const remsErrorStatus: Readonly<Record<RemsErrorType, number>> = {
  ALREADY_CONNECTED: 400,
  NOT_NEED_UPDATE: 200,
  VALIDATION_FAILED: 400,
  INVALID_METER_DATA: 400,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_REFRESH_TOKEN: 401,
  FORBIDDEN: 403,
  DEVICE_INACTIVE: 403,
  DEVICE_NOT_FOUND: 404,
  COMMAND_NOT_FOUND: 404,
  INVALID_STATUS_TRANSITION: 409,
  PORT_OUT_OF_RANGE: 400,
  INTERNAL_ERROR: 500,
};

/** `{ data: … }`: every success. */
export interface RemsSuccessEnvelope<T> {
  data: T;
}

/** The body of every failure. `fieldError` is a map from field to message, `{}` when empty. */
export interface RemsErrorBody {
  error: true;
  status: number;
  errorType: RemsErrorType;
  message: string;
  fieldError: Record<string, string>;
}

export interface RemsErrorEnvelope {
  error: RemsErrorBody;
}

export function successEnvelope<T>(data: T): RemsSuccessEnvelope<T> {
  return { data };
}

export function errorEnvelope(errorType: RemsErrorType, message: string, fieldError: Record<string, string> = {}): RemsErrorEnvelope {
  return { error: { error: true, status: remsErrorStatus[errorType], errorType, message, fieldError } };
}
