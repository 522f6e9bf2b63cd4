/**
 * `@cpo/contracts`: the bus contract, the only thing services share about each other.
 * Subjects, stream definitions, header names, payload schemas (zod) with their types, and
 * validation helpers. Pure: no Nest, no NATS client, no I/O.
 */
export {
  Subjects,
  type EventSubject,
  OCPP_COMMAND_SUBJECT_PREFIX,
  OCPP_COMMAND_WILDCARD,
  OCPI_TOKEN_AUTHORIZE_SUBJECT,
  OCPP_DATA_TRANSFER_SUBJECT_PREFIX,
  OCPP_DATA_TRANSFER_WILDCARD,
  ocppDataTransferSubject,
  DEAD_LETTER_SUBJECT_PREFIX,
  ocppCommandSubject,
  encodeStationToken,
  decodeStationToken,
  stationIdFromCommandSubject,
  deadLetterSubject,
} from './subjects.js';
export { subjectMatches, subjectsOverlap } from './subject-match.js';
export { isLegacyStationIdentity, stationIdProblem } from './station-id.js';
export { Streams, allStreams, streamForSubject, type StreamDefinition, type StreamName } from './streams.js';
export { Headers, parseSchemaVersionHeader, type HeaderName } from './headers.js';

export * from './events/capacity.js';
export * from './events/planner.js';
export * from './events/ocpp16-enums.js';
export * from './events/ocpp.js';
export * from './events/ocpp-outcomes.js';
export * from './events/rems.js';
export * from './events/ocpi.js';
export { Timestamp, CalendarDate } from './events/common.js';
export * from './requests.js';

export {
  EventSchemas,
  LegacyEventVersions,
  legacyVersion,
  schemaVersionOf,
  supportedVersionsOf,
  decoderFor,
  type EventMap,
  type EventPayload,
  type LegacySchemaVersion,
  type SchemaVersionDecoder,
} from './event-map.js';
export {
  validateEvent,
  isEventSubject,
  parseRequestPayload,
  formatIssues,
  MAX_REASON_LENGTH,
  type ValidationResult,
} from './validate.js';

/** Valid sample payloads for tests and benchmarks (pure data, safe to ship). */
export { sampleEvents, sampleRequests } from './testing/samples.js';
