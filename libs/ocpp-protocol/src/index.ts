/**
 * `@cpo/ocpp-protocol`: OCPP-J framing plus the OCPP 1.6 actions, payload types, error codes and
 * schema validator. Pure (no sockets, no I/O), shared by the central system and the charge-point
 * SDK. Version-specific names carry a `16` suffix (or live in the `Ocpp16` type namespace) so a
 * 2.0.1 module can sit beside them, and so nothing clashes with `@cpo/contracts`.
 */
export {
  MessageType,
  MAX_UNIQUE_ID_LENGTH,
  MAX_INBOUND_UNIQUE_ID_LENGTH,
  wireId,
  isJsonObject,
  parseBinaryMessage,
  parseFrame,
  serializeCall,
  serializeCallResult,
  serializeCallError,
  type MessageTypeId,
  type JsonObject,
  type CallFrame,
  type CallResultFrame,
  type CallErrorFrame,
  type Frame,
  type FrameErrorCode,
  type ParsedFrame,
} from './frames.js';

export { parseDateTimeMs, type ParseDateTimeOptions } from './date-time.js';

export {
  CP_ACTIONS_16,
  CS_ACTIONS_16,
  ACTIONS_16,
  FEATURE_PROFILE_16,
  isAction16,
  isCpAction16,
  isCsAction16,
  triggeredActions16,
  type Action16,
  type CpAction16,
  type CsAction16,
  type FeatureProfile16,
} from './v16/actions.js';

export {
  CALL_ERROR_CODES_16,
  isCallErrorCode16,
  normalizeCallErrorCode16,
  OcppCallError,
  OcppTimeoutError,
  type CallErrorCode16,
} from './v16/errors.js';

export type { Requests16, Responses16, Req16, Conf16 } from './v16/payloads.js';
/** Every generated 1.6 interface, e.g. `Ocpp16.BootNotificationRequest` (2.0.1 reuses the names). */
export type * as Ocpp16 from './v16/types.generated.js';

export { schemas16, type Schema16Name } from './v16/schemas.generated.js';

export {
  AJV_OPTIONS_16,
  MAX_REPORTED_ERRORS_16,
  callErrorCodeForKeyword16,
  createValidator16,
  loadSchema16,
  patchCelsius16,
  validateRequest16,
  validateResponse16,
  type ValidationError16,
  type ValidationResult16,
  type Validator16,
} from './v16/validator.js';

/** Charge-point smart-charging engine (profile store, composite schedule), namespaced: its names are generic. */
export * as SmartCharging16 from './v16/smart-charging/index.js';

export { inboundIdRule, InboundIds, REUSED_ID_AFTER_MS, type InboundIdRule } from './inbound-ids.js';
