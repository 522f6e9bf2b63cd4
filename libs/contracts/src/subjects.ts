/**
 * NATS subjects of the bus. Services use these constants, never inline strings.
 *
 * Event subjects (`Subjects`) are captured by exactly one JetStream stream (see `streams.ts`).
 * Request/reply subjects are core NATS and must never be captured by a stream: a stream would
 * answer the request with its own PubAck before the real responder could.
 */

/** Subjects of the durable events, one per payload schema (see `EventMap`). */
export const Subjects = {
  /** A capacity forecast arrived from the capacity provider (oscp → planner). */
  CapacityForecastReceived: 'capacity.forecast.received',
  /** Ask the capacity provider for different capacity tomorrow (planner → oscp). */
  CapacityAdjustRequested: 'capacity.adjust.requested',
  /** A group cannot comply with its capacity (planner → oscp). */
  CapacityComplianceFailed: 'capacity.compliance.failed',
  /** An expected capacity message from the provider did not arrive in time (oscp → planner, operators). */
  CapacityForecastMissed: 'capacity.forecast.missed',
  /** Per-station, per-connector limit schedule (planner → ocpp). */
  PlannerStationLimitsPlanned: 'planner.station-limits.planned',
  /** Which stations make up a group, whenever that changes (planner → oscp). */
  PlannerGroupTopologyChanged: 'planner.group.topology-changed',
  /** A charger's WebSocket opened on an ocpp replica. */
  OcppStationConnected: 'ocpp.station.connected',
  /** A charger's WebSocket closed. */
  OcppStationDisconnected: 'ocpp.station.disconnected',
  /** A charger sent BootNotification. */
  OcppStationBooted: 'ocpp.station.booted',
  /** A connector status changed (StatusNotification). */
  OcppConnectorStatus: 'ocpp.connector.status',
  /** A charging transaction started. */
  OcppTransactionStarted: 'ocpp.transaction.started',
  /** A charging transaction stopped. */
  OcppTransactionStopped: 'ocpp.transaction.stopped',
  /** A charger reported meter values. */
  OcppMeterSampled: 'ocpp.meter.sampled',
  /** A charger accepted a charging profile. */
  OcppChargingProfileApplied: 'ocpp.charging-profile.applied',
  /** A charging profile could not be applied. */
  OcppChargingProfileFailed: 'ocpp.charging-profile.failed',
  /** A remote start reached its final state (a late outcome of an operator command). */
  OcppRemoteStartSettled: 'ocpp.remote-start.settled',
  /** A reservation changed status (a late outcome of ReserveNow / CancelReservation). */
  OcppReservationUpdated: 'ocpp.reservation.updated',
  /** A charger reported firmware update progress (or ocpp inferred Installed from its boot). */
  OcppFirmwareStatus: 'ocpp.firmware.status',
  /** A charger reported diagnostics upload progress. */
  OcppDiagnosticsStatus: 'ocpp.diagnostics.status',
  /** A REMS frame was decoded (rems-ingest → planner). */
  RemsMeasurementDecoded: 'rems.measurement.decoded',
  /** A roaming partner's command for one of our chargers (ocpi-hub → ocpp). */
  OcpiCommandRequested: 'ocpi.command.requested',
  /** The outcome of an OCPI command (ocpp → ocpi-hub). */
  OcpiCommandResult: 'ocpi.command.result',
} as const;

/** Any event subject. */
export type EventSubject = (typeof Subjects)[keyof typeof Subjects];

/** Prefix of the per-station command subjects (core request/reply). */
export const OCPP_COMMAND_SUBJECT_PREFIX = 'ocpp.command';

/** Matches every station's command subject (monitoring only: each replica subscribes per station). */
export const OCPP_COMMAND_WILDCARD = `${OCPP_COMMAND_SUBJECT_PREFIX}.*` as const;

/**
 * Prefix of the vendor DataTransfer subjects (core request/reply, ocpp → plug-ins): a charger's
 * DataTransfer is asked of whoever serves its vendor's subject (see {@link ocppDataTransferSubject}).
 */
export const OCPP_DATA_TRANSFER_SUBJECT_PREFIX = 'ocpp.data-transfer';

/** Matches every vendor's DataTransfer subject (monitoring only: a plug-in subscribes to its own vendor). */
export const OCPP_DATA_TRANSFER_WILDCARD = `${OCPP_DATA_TRANSFER_SUBJECT_PREFIX}.*` as const;

/**
 * The subject a DataTransfer plug-in for `vendorId` serves: `ocpp.data-transfer.{token}`. OCPP's
 * vendorId is a CiString (compared without case), so it is lower-cased first; the token is encoded
 * like a station id, so `com.Alfen` and `com.alfen` both give `ocpp.data-transfer.com%2Ealfen`.
 * @throws RangeError for an empty vendor id.
 */
export function ocppDataTransferSubject(vendorId: string): string {
  return `${OCPP_DATA_TRANSFER_SUBJECT_PREFIX}.${encodeStationToken(vendorId.toLowerCase())}`;
}

/** Core request/reply subject for real-time OCPI token authorisation (ocpp → ocpi-hub). */
export const OCPI_TOKEN_AUTHORIZE_SUBJECT = 'ocpi.token.authorize';

/** Prefix of the dead-letter subjects (captured by the DEADLETTER stream). */
export const DEAD_LETTER_SUBJECT_PREFIX = 'dlq';

/**
 * Characters kept as they are in a station token: RFC 3986 "unreserved" minus `.`. Everything else
 * (NATS separators and wildcards `.`, `*`, `>`, whitespace, `%` itself, other punctuation and
 * non-ASCII) is percent-encoded as UTF-8, so any id becomes exactly one printable-ASCII token.
 */
const SAFE_TOKEN_CHAR = /^[A-Za-z0-9_~-]$/;
const STATION_TOKEN = /^(?:[A-Za-z0-9_~-]|%[0-9A-Fa-f]{2})+$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/;
const utf8 = new TextEncoder();

/**
 * Encodes a station id into a single NATS subject token, e.g. `CP.01` → `CP%2E01`,
 * `häus 1` → `h%C3%A4us%201`. Ids made of letters, digits, `-`, `_` and `~` are unchanged.
 * @throws RangeError for an empty id or one containing an unpaired UTF-16 surrogate.
 */
export function encodeStationToken(stationId: string): string {
  if (stationId.length === 0) throw new RangeError('station id must not be empty');
  let token = '';
  for (const char of stationId) {
    if (SAFE_TOKEN_CHAR.test(char)) {
      token += char;
      continue;
    }
    // A lone surrogate would be encoded as U+FFFD and could not round-trip.
    if (char.length === 1 && LONE_SURROGATE.test(char)) {
      throw new RangeError(`station id ${JSON.stringify(stationId)} is not well-formed UTF-16`);
    }
    for (const byte of utf8.encode(char)) token += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return token;
}

/**
 * Inverse of {@link encodeStationToken}.
 * @throws RangeError when `token` is not a station token (unsafe characters, bad escapes, invalid UTF-8).
 */
export function decodeStationToken(token: string): string {
  if (!STATION_TOKEN.test(token)) throw new RangeError(`not a station token: ${JSON.stringify(token)}`);
  try {
    return decodeURIComponent(token);
  } catch {
    throw new RangeError(`station token ${JSON.stringify(token)} does not encode valid UTF-8`);
  }
}

/** The command subject of one station: `ocpp.command.{encoded station id}`. */
export function ocppCommandSubject(stationId: string): string {
  return `${OCPP_COMMAND_SUBJECT_PREFIX}.${encodeStationToken(stationId)}`;
}

/**
 * The station id addressed by a command subject, or `undefined` if `subject` is not one.
 */
export function stationIdFromCommandSubject(subject: string): string | undefined {
  const prefix = `${OCPP_COMMAND_SUBJECT_PREFIX}.`;
  if (!subject.startsWith(prefix)) return undefined;
  try {
    return decodeStationToken(subject.slice(prefix.length));
  } catch {
    return undefined;
  }
}

/** Characters NATS forbids in a durable consumer name (which becomes one subject token here). */
const INVALID_DURABLE = /[\s.*>/\\]/;

/**
 * The subject a consumer dead-letters to: `dlq.{durable}`. The original subject, reason and
 * delivery count travel in the `Cpo-Dlq-*` headers.
 * @throws RangeError for an empty durable name or one NATS would not accept.
 */
export function deadLetterSubject(consumerDurable: string): string {
  if (consumerDurable.length === 0 || INVALID_DURABLE.test(consumerDurable)) {
    throw new RangeError(`invalid durable consumer name: ${JSON.stringify(consumerDurable)}`);
  }
  return `${DEAD_LETTER_SUBJECT_PREFIX}.${consumerDurable}`;
}
