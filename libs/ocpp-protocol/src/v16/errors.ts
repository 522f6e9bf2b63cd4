/**
 * OCPP 1.6-J CALLERROR codes (OCPP-J 1.6 §4.2.3, guide §1.5). The two misspellings
 * `FormationViolation` and `OccurenceConstraintViolation` are the 1.6 wire names and must be sent
 * exactly like this (OCPP-J errata 2019 §5: "do not fix"); 2.0.1 has its own table.
 */
export const CALL_ERROR_CODES_16 = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;

export type CallErrorCode16 = (typeof CALL_ERROR_CODES_16)[number];

const codes: ReadonlySet<string> = new Set(CALL_ERROR_CODES_16);

/** Spellings other stacks send on 1.6 (ocpp-rpc uses the 2.0.1 / corrected names). */
const ALIASES: Readonly<Record<string, CallErrorCode16>> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
};

export function isCallErrorCode16(code: string): code is CallErrorCode16 {
  return codes.has(code);
}

/**
 * Maps a received CALLERROR code to the 1.6 wire name: accepts the alternative spellings and
 * degrades anything unknown (e.g. 2.0.1's `RpcFrameworkError`) to `GenericError`.
 */
export function normalizeCallErrorCode16(code: string): CallErrorCode16 {
  if (isCallErrorCode16(code)) return code;
  return ALIASES[code] ?? 'GenericError';
}

/** The peer answered a CALL with a CALLERROR (or a local check refused it before sending). */
export class OcppCallError extends Error {
  override readonly name = 'OcppCallError';
  readonly code: CallErrorCode16;
  readonly description: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: CallErrorCode16, description = '', details: Readonly<Record<string, unknown>> = {}) {
    super(description ? `${code}: ${description}` : code);
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

/** No CALLRESULT/CALLERROR arrived for an outbound CALL within its timeout. */
export class OcppTimeoutError extends Error {
  override readonly name = 'OcppTimeoutError';
  readonly action: string;
  readonly uniqueId: string;
  readonly timeoutMs: number;

  constructor(action: string, uniqueId: string, timeoutMs: number) {
    super(`${action} (${uniqueId}) got no answer within ${timeoutMs} ms`);
    this.action = action;
    this.uniqueId = uniqueId;
    this.timeoutMs = timeoutMs;
  }
}
