/**
 * Payloads of the core NATS request/reply subjects (not stored in any stream): commands that need
 * an answer now. Validate them with `parseRequestPayload(schema, payload)`.
 */
import { z } from 'zod';
import { JsonObject, NonEmptyString, StationId, Timestamp } from './events/common.js';
import { OcppCsmsAction } from './events/ocpp16-enums.js';

/** Upper bound for `OcppCommandRequest.timeoutMs`: no charger call should hold a requester longer. */
export const MAX_OCPP_COMMAND_TIMEOUT_MS = 300_000;

/**
 * Request on `ocppCommandSubject(stationId)`: a CSMS → charger call, answered by the ocpp replica
 * holding the station's socket.
 */
export const OcppCommandRequestV1 = z.strictObject({
  /** The OCPP 1.6 action, e.g. `SetChargingProfile`. */
  action: OcppCsmsAction,
  /** The action's request payload exactly as OCPP defines it (validated by the ocpp service). */
  payload: JsonObject,
  /** How long to wait for the charger's answer, in ms; absent = the ocpp service's default. */
  timeoutMs: z.number().int().positive().max(MAX_OCPP_COMMAND_TIMEOUT_MS).optional(),
});
export type OcppCommandRequest = z.infer<typeof OcppCommandRequestV1>;

/**
 * Error codes of {@link OcppCommandReply} produced by the ocpp service itself. Any other code is an
 * OCPP-J CallError code returned by the charger (`NotImplemented`, `NotSupported`,
 * `InternalError`, `ProtocolError`, `SecurityError`, `FormationViolation`,
 * `PropertyConstraintViolation`, `OccurenceConstraintViolation`, `TypeConstraintViolation`,
 * `GenericError`).
 */
export const OcppCommandErrorCode = {
  /** The charger did not answer within the timeout. */
  Timeout: 'Timeout',
  /**
   * The ocpp replica holding the station's socket did not answer over the bus in time: our own
   * infrastructure failing (a replica stalled or overloaded), not the charger's silence. The command
   * may have reached that replica and the charger (`mayHaveActed`), so its outcome is unknown, as
   * with `Timeout`; but no charger outcome (its timeout) may be recorded from it.
   */
  ReplicaTimeout: 'ReplicaTimeout',
  /** The station is not connected (or its socket closed during the call). */
  Offline: 'Offline',
  /** The request failed validation before being sent to the charger. */
  InvalidRequest: 'InvalidRequest',
  /** Too many commands wait for this station already; not sent (retry later). */
  QueueFull: 'QueueFull',
  /**
   * The deadline passed while the call still waited behind earlier calls to the station: never
   * sent, so unlike `Timeout` (an unknown outcome) the charger did not act. A code of its own, not
   * `Timeout` with a flag: every reader of `Timeout` takes it as "may have acted".
   */
  QueueTimeout: 'QueueTimeout',
  /** A newer command of the same kind replaced this one before it was sent (e.g. a grid limit): not sent. */
  Superseded: 'Superseded',
  /** The station is not accepted (Pending or Rejected at boot) and may not get this call: not sent. */
  NotAccepted: 'NotAccepted',
  /**
   * The request collides with state the ocpp service keeps or with an operator rule: e.g. a
   * reservation id of another station, or a charging profile under an id or slot the platform's
   * grid limits use. Not sent.
   */
  Conflict: 'Conflict',
  /** The ocpp service itself failed (e.g. its database): not the charger's CallError `InternalError`. */
  CentralSystemError: 'CentralSystemError',
} as const;

/**
 * Reply to an {@link OcppCommandRequest}: the charger's CallResult payload (`status: 'ok'`; the
 * payload may itself say `Rejected`) or a failure (`status: 'error'`).
 */
export const OcppCommandReplyV1 = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('ok'),
    /** The CallResult payload as the charger sent it, e.g. `{ status: 'Accepted' }`. */
    payload: JsonObject,
  }),
  z.strictObject({
    status: z.literal('error'),
    /** A CallError code or one of {@link OcppCommandErrorCode}. */
    code: NonEmptyString,
    description: z.string().max(1024),
    /** CallError `errorDetails` or diagnostic data. */
    details: z.unknown().optional(),
    /**
     * `true`: the charger may have carried the call out although no CallResult we accept came back,
     * so its outcome is unknown, not a refusal: the socket closed once the CALL could have been sent
     * (`Offline`), or the charger answered with a CALLRESULT malformed or breaking its schema
     * (e.g. `FormationViolation`), or the replica holding the socket did not answer in time
     * (`ReplicaTimeout`). The ocpp service then records the command's effects as unknown too
     * (a reservation `TimedOut`, a remote start kept open). `Timeout` never needs it: no answer in
     * time is an unknown outcome by itself. Absent: the code says what happened (a CallError or a
     * call that never left us: the charger did not act). Optional (added within version 1): replicas
     * before it leave it out, so their replies read as before.
     */
    mayHaveActed: z.literal(true).optional(),
  }),
]);
export type OcppCommandReply = z.infer<typeof OcppCommandReplyV1>;

/** OCPI token types (`APP_USER` and `AD_HOC_USER` exist from OCPI 2.2). */
export const OcpiTokenType = z.enum(['RFID', 'APP_USER', 'OTHER', 'AD_HOC_USER']);
export type OcpiTokenType = z.infer<typeof OcpiTokenType>;

/**
 * Request on `OCPI_TOKEN_AUTHORIZE_SUBJECT` (ocpp → ocpi-hub): real-time authorisation of a
 * roaming token presented at one of our stations.
 */
export const OcpiTokenAuthorizeRequestV1 = z.strictObject({
  /** The token uid, e.g. the RFID uid the charger sent as `idTag`. */
  uid: NonEmptyString,
  tokenType: OcpiTokenType,
  /** Where the token was presented. */
  stationId: StationId,
  /** OCPI `location_id` of the station, when known (sent as LocationReferences). */
  locationId: NonEmptyString.optional(),
  /** OCPI `evse_uids` at that location the token is presented for. */
  evseUids: z.array(NonEmptyString).optional(),
});
export type OcpiTokenAuthorizeRequest = z.infer<typeof OcpiTokenAuthorizeRequestV1>;

/** OCPI `AllowedType`, plus `UNKNOWN` when no partner knows the token (never allowed). */
export const OcpiAllowedType = z.enum(['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED', 'UNKNOWN']);
export type OcpiAllowedType = z.infer<typeof OcpiAllowedType>;

/** OCPI `DisplayText`: a message for the driver. */
export const OcpiDisplayText = z.strictObject({
  /** ISO 639-1 language code, e.g. `zh`, `en`. */
  language: z.string().length(2),
  text: z.string().min(1).max(512),
});
export type OcpiDisplayText = z.infer<typeof OcpiDisplayText>;

/** Reply to an {@link OcpiTokenAuthorizeRequest}. Only `ALLOWED` lets the session start. */
export const OcpiTokenAuthorizeReplyV1 = z.strictObject({
  allowed: OcpiAllowedType,
  /** OCPI `authorization_reference`; the ocpp service stores it with the session for routing. */
  authorizationReference: NonEmptyString.optional(),
  /** The eMSP's message for the driver. */
  info: OcpiDisplayText.optional(),
  /**
   * Set on an `ALLOWED` when no eMSP answered in time and the agreement's on-timeout policy decided
   * (`allowed` is the hub's, not the eMSP's). Asked again moments later (the StartTransaction after
   * the Authorize), the same slow eMSP would most likely make the charger wait the whole deadline
   * again for the same policy answer, so the ocpp service may reuse an allow so decided for a few
   * minutes. Absent from replies of hubs before it was added; optional for that reason. The other
   * way round, an ocpp replica released before it refuses a reply carrying it (strict schema) and
   * applies its unknown-token default: during a rolling update, ocpp goes first, or such allows
   * read as no decision on the replicas not yet updated. Never set on a refusal, which must read as
   * one everywhere.
   */
  decidedOnTimeout: z.literal(true).optional(),
});
export type OcpiTokenAuthorizeReply = z.infer<typeof OcpiTokenAuthorizeReplyV1>;

/**
 * Request on `ocppDataTransferSubject(vendorId)` (ocpp → a vendor's DataTransfer plug-in): a
 * charger's DataTransfer.req with the station that sent it. The ocpp service has stored the message
 * when it asks; the plug-in's reply is what the charger is answered.
 */
export const OcppDataTransferRequestV1 = z.strictObject({
  stationId: StationId,
  /** As the charger sent it (the subject has it lower-cased). */
  vendorId: z.string().min(1).max(255),
  messageId: z.string().max(50).optional(),
  /** Vendor-defined text; OCPP sets no length limit. */
  data: z.string().optional(),
  /** When the central system received the CALL (ISO 8601 UTC). */
  receivedAt: Timestamp,
});
export type OcppDataTransferRequest = z.infer<typeof OcppDataTransferRequestV1>;

/** OCPP 1.6 `DataTransferStatus`. */
export const OcppDataTransferStatus = z.enum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']);
export type OcppDataTransferStatus = z.infer<typeof OcppDataTransferStatus>;

/** Reply to an {@link OcppDataTransferRequest}: the DataTransfer.conf the charger receives. */
export const OcppDataTransferReplyV1 = z.strictObject({
  status: OcppDataTransferStatus,
  data: z.string().optional(),
});
export type OcppDataTransferReply = z.infer<typeof OcppDataTransferReplyV1>;
