/**
 * Validation of bus payloads on consumption. Results are values, not exceptions, so a consumer can
 * dead-letter a bad message with a readable reason instead of crashing or redelivering it forever.
 */
import { z } from 'zod';
import { EventSchemas, decoderFor, supportedVersionsOf, type EventMap } from './event-map.js';
import type { EventSubject } from './subjects.js';

/** Outcome of a validation: the typed value, or a human-readable reason (≤ {@link MAX_REASON_LENGTH} chars). */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Longest `reason` returned, so it fits in a header and a log line. */
export const MAX_REASON_LENGTH = 1000;

/** Whether `subject` is one of the event subjects (and so has a schema). */
export function isEventSubject(subject: unknown): subject is EventSubject {
  return typeof subject === 'string' && Object.hasOwn(EventSchemas, subject);
}

/**
 * Formats zod issues as `path: message` joined by `; `, e.g.
 * `blocks.0.powerW: Too small: expected number to be >=0`. Issues at the root are shown as `(root)`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return truncate(
    issues
      .map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')}: ${issue.message}`)
      .join('; '),
  );
}

function truncate(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/**
 * Validates an event payload received on `subject` with the `Cpo-Schema-Version` header
 * `schemaVersion`. Fails for an unknown subject, an unsupported version (the reason names the
 * supported ones) or an invalid payload (the reason lists every issue). Older supported versions
 * are upgraded, so `value` always has the current shape.
 */
export function validateEvent<S extends EventSubject>(
  subject: S,
  schemaVersion: number,
  payload: unknown,
): ValidationResult<EventMap[S]>;
/** Overload for a subject read off the wire, not yet known to be an event subject. */
export function validateEvent(
  subject: string,
  schemaVersion: number,
  payload: unknown,
): ValidationResult<EventMap[EventSubject]>;
export function validateEvent(
  subject: string,
  schemaVersion: number,
  payload: unknown,
): ValidationResult<EventMap[EventSubject]> {
  if (!isEventSubject(subject)) return { ok: false, reason: truncate(`unknown event subject "${subject}"`) };
  const decoder = decoderFor(subject, schemaVersion);
  if (decoder === undefined) {
    return {
      ok: false,
      reason: `unsupported schema version ${String(schemaVersion)} for "${subject}"; supported: ${supportedVersionsOf(subject).join(', ')}`,
    };
  }
  const parsed = decoder.schema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error.issues) };
  return { ok: true, value: decoder.toCurrent(parsed.data) };
}

/**
 * Validates a request/reply payload (e.g. `OcppCommandRequestV1`, `OcpiTokenAuthorizeReplyV1`)
 * with the same result shape as {@link validateEvent}.
 */
export function parseRequestPayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
): ValidationResult<z.infer<Schema>> {
  const parsed = schema.safeParse(payload);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: formatIssues(parsed.error.issues) };
}
