/**
 * Payloads of the OCPI stream: remote commands from roaming partners for our own chargers, routed
 * by the ocpi-hub to the ocpp service, and their asynchronous results.
 */
import { z } from 'zod';
import { JsonObject, NonEmptyString, PhysicalConnectorId, StationId, Timestamp } from './common.js';

/** OCPI command types (`CANCEL_RESERVATION` exists from OCPI 2.2). */
export const OcpiCommandType = z.enum([
  'START_SESSION',
  'STOP_SESSION',
  'RESERVE_NOW',
  'CANCEL_RESERVATION',
  'UNLOCK_CONNECTOR',
]);
export type OcpiCommandType = z.infer<typeof OcpiCommandType>;

/** OCPI 2.2.1 `CommandResultType`. */
export const OcpiCommandResultType = z.enum([
  'ACCEPTED',
  'CANCELED_RESERVATION',
  'EVSE_OCCUPIED',
  'EVSE_INOPERATIVE',
  'FAILED',
  'NOT_SUPPORTED',
  'REJECTED',
  'TIMEOUT',
  'UNKNOWN_RESERVATION',
]);
export type OcpiCommandResultType = z.infer<typeof OcpiCommandResultType>;

/**
 * An OCPI party (`country_code` + `party_id`, ISO 3166-1 alpha-2 and 3 characters). OCPI compares
 * them without case (CiString), so either case is accepted here and consumers compare upper-cased.
 */
export const OcpiParty = z.strictObject({
  countryCode: z.string().regex(/^[A-Za-z]{2}$/, 'two letters'),
  partyId: z.string().regex(/^[A-Za-z0-9]{3}$/, 'three letters or digits'),
});
export type OcpiParty = z.infer<typeof OcpiParty>;

/** `ocpi.command.requested` (ocpi-hub → ocpp): execute an OCPI command on one of our stations. */
export const OcpiCommandRequestedV1 = z.strictObject({
  /** Unique id (UUID) of the command; the result carries it back. */
  commandId: z.uuid(),
  type: OcpiCommandType,
  /** The OCPP station the hub resolved from the OCPI location / EVSE. */
  stationId: StationId,
  /** The OCPP connector (≥ 1) resolved from the EVSE / OCPI connector, when the command names one. */
  connectorId: PhysicalConnectorId.optional(),
  /** OCPI `location_id`. */
  locationId: NonEmptyString.optional(),
  /** OCPI `evse_uid`. */
  evseUid: NonEmptyString.optional(),
  /**
   * The eMSP party that sent the command. OCPI ids such as `reservation_id` are unique only per
   * eMSP, so ocpp matches a RESERVE_NOW / CANCEL_RESERVATION only with earlier commands of the same
   * requester. Optional (added within version 1): hubs before it leave it out.
   */
  requester: OcpiParty.optional(),
  /** OCPI `authorization_reference`, to tie the resulting session and CDR to the eMSP. */
  authorizationReference: NonEmptyString.optional(),
  /**
   * The command's remaining OCPI fields (e.g. `token`, `session_id`, `reservation_id`,
   * `expiry_date`), as received; `response_url` is kept by the hub, not sent here.
   */
  parameters: JsonObject,
  requestedAt: Timestamp,
});
export type OcpiCommandRequested = z.infer<typeof OcpiCommandRequestedV1>;

/**
 * The `timeout` (s) the hub announces to the eMSP in the CommandResponse of a command for one of
 * our own chargers, counted from `requestedAt`. Shared so that the hub's promise and the time ocpp
 * acts on the command cannot drift apart: past it the eMSP has given up (and may retry), so a late
 * start or unlock would act twice or for a driver who has left.
 */
export const OCPI_OWN_COMMAND_TIMEOUT_S = 60;
/**
 * The last part of OCPI_OWN_COMMAND_TIMEOUT_S kept for the result's way back (ocpp's outbox relay,
 * the hub's consumer, its POST to the eMSP's response_url): nobody sends an own command to a
 * charger, nor waits for its answer, later than `requestedAt` + timeout − this.
 */
export const OCPI_OWN_COMMAND_RESULT_DELIVERY_S = 10;

/** `ocpi.command.result` (ocpp → ocpi-hub): the outcome the hub reports to the partner's `response_url`. */
export const OcpiCommandResultV1 = z.strictObject({
  commandId: z.uuid(),
  result: OcpiCommandResultType,
  /** Human-readable detail (sent as an OCPI DisplayText). */
  message: NonEmptyString.optional(),
  /** When the outcome was known. */
  at: Timestamp,
});
export type OcpiCommandResult = z.infer<typeof OcpiCommandResultV1>;
