/**
 * How deeply an inbound payload may nest objects and arrays. No OCPP 1.6 message needs more than
 * five levels (MeterValues: payload → meterValue[] → {} → sampledValue[] → {}); a charger's deeper
 * payload is refused as a FormationViolation before anything walks it. Deep nesting is not only
 * garbage: V8's JSON.stringify overflows the stack at about 4,000 levels, so such a payload would
 * fail again wherever it is serialised (a CallError's details, a database row, a bus message).
 */
export const MAX_PAYLOAD_DEPTH = 32;

/** The platform's iterative depth check (libs/platform http/json-depth.ts), shared with the REST bodies' limit. */
export { nestedDeeperThan } from '@cpo/platform';
