/**
 * Building blocks shared by the event and request/reply payload schemas.
 *
 * Conventions for every bus payload:
 * - instants are ISO-8601 strings **with** an offset (`Z` or `±hh:mm`); local times are rejected,
 *   because a bare `2025-06-18T10:00:00` is ambiguous between Taipei and UTC;
 * - objects are strict: an unknown field is an error, so a typo never silently drops data;
 * - numbers are finite (zod 4 rejects `NaN`/`Infinity`), physical quantities are non-negative and
 *   the unit is part of the field name (`powerW`, `meterStartWh`, `durationS`).
 */
import { z } from 'zod';

/** An instant: ISO-8601 date-time with a UTC offset, e.g. `2025-06-18T02:00:00.000Z` or `…+08:00`. */
export const Timestamp = z.iso.datetime({ offset: true });

/** A calendar day `YYYY-MM-DD` (a real date: `2025-02-30` is rejected). */
export const CalendarDate = z.iso.date();

/** A non-empty identifier or free-text field (bounded so one bad message cannot bloat a stream). */
export const NonEmptyString = z.string().min(1).max(1024);

/** Identifier of a charge point: the `{chargePointId}` of its OCPP WebSocket URL. */
export const StationId = z.string().min(1).max(255);

/** Power in watts, ≥ 0. Zero is a valid limit ("no charging"), not "no data". */
export const PowerW = z.number().nonnegative();

/** Energy in watt-hours, ≥ 0. */
export const EnergyWh = z.number().nonnegative();

/** OCPP connector id: `0` means the whole station (or its main meter), `1…n` a physical connector. */
export const ConnectorId = z.number().int().nonnegative();

/** A physical OCPP connector (`connectorId ≥ 1`), e.g. the one a transaction runs on. */
export const PhysicalConnectorId = z.number().int().positive();

/** A free-form JSON object (e.g. an OCPP action payload); its shape is checked by the receiver. */
export const JsonObject = z.record(z.string(), z.unknown());

/**
 * Options for cross-field checks (`refine`/`superRefine`): run them only when every field parsed,
 * so a malformed timestamp is reported once ("Invalid ISO datetime") instead of also producing a
 * misleading ordering error computed from `NaN`.
 */
export const whenFieldsValid = {
  when: (payload: z.core.ParsePayload): boolean => payload.issues.length === 0,
} as const;

/** Epoch milliseconds of a {@link Timestamp} that has already been validated. */
export function instantMs(timestamp: string): number {
  return Date.parse(timestamp);
}

/**
 * Fields of a half-open interval `[startTime, endTime)`. Combine with {@link endsAfterStart}:
 * `z.strictObject({ ...IntervalFields, powerW: PowerW }).refine(endsAfterStart, endsAfterStartIssue)`.
 */
export const IntervalFields = { startTime: Timestamp, endTime: Timestamp };

/** Whether an interval is non-empty (`endTime > startTime` as instants, whatever the offsets). */
export function endsAfterStart(interval: { startTime: string; endTime: string }): boolean {
  return instantMs(interval.endTime) > instantMs(interval.startTime);
}

/** The issue reported when {@link endsAfterStart} fails. */
export const endsAfterStartIssue = {
  message: 'endTime must be after startTime',
  path: ['endTime'],
  ...whenFieldsValid,
};
