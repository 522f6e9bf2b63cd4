import { Headers, isEventSubject, validateEvent } from '@cpo/contracts';
import type { JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '../bus-names.js';
import { isUuid, textDecoder, type BusEvent } from '../envelope.js';

export type Decoded = { ok: true; event: BusEvent } | { ok: false; reason: string; eventId?: string };

/**
 * Turns a JetStream message into a validated event, or says exactly why not.
 * Nothing the producer sent is trusted: subject, headers and payload are all checked.
 */
export function decodeMessage(msg: JsMsg, names: BusNames): Decoded {
  const subject = names.logical(msg.subject);
  const eventId = msg.headers?.get(Headers.EventId) || msg.headers?.get(Headers.MsgId) || undefined;
  if (!isEventSubject(subject)) return { ok: false, reason: `unknown subject ${subject}`, eventId };
  if (!isUuid(eventId)) return { ok: false, reason: `missing or malformed ${Headers.EventId} header`, eventId };
  const version = Number(msg.headers?.get(Headers.SchemaVersion));
  if (!Number.isInteger(version) || version < 1) return { ok: false, reason: `missing or malformed ${Headers.SchemaVersion} header`, eventId };
  let json: unknown;
  try {
    json = JSON.parse(textDecoder.decode(msg.data));
  } catch (err) {
    return { ok: false, reason: `payload is not JSON: ${(err as Error).message}`, eventId };
  }
  const checked = validateEvent(subject, version, json);
  if (!checked.ok) return { ok: false, reason: `schema validation failed: ${checked.reason}`, eventId };
  return {
    ok: true,
    event: {
      id: eventId,
      subject,
      schemaVersion: version,
      payload: checked.value,
      correlationId: msg.headers?.get(Headers.CorrelationId) || undefined,
      source: msg.headers?.get(Headers.Source) || undefined,
      occurredAt: msg.headers?.get(Headers.OccurredAt) || undefined,
      deliveryCount: msg.info.deliveryCount,
      streamSequence: msg.info.streamSequence,
    },
  };
}
