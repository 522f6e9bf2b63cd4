import { Headers, type EventMap, type EventSubject } from '@cpo/contracts';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** A validated event as a consumer's handler receives it. */
export interface BusEvent<S extends EventSubject = EventSubject> {
  /** Event id: the outbox row id, the Nats-Msg-Id and the inbox key. */
  id: string;
  subject: S;
  schemaVersion: number;
  payload: EventMap[S];
  correlationId?: string;
  source?: string;
  occurredAt?: string;
  /** 1 on first delivery. */
  deliveryCount: number;
  streamSequence: number;
}

export interface EnvelopeMeta {
  eventId: string;
  schemaVersion: number;
  source: string;
  correlationId?: string;
  occurredAt: string;
}

/**
 * Bus headers for consumers and logs. Nats-Msg-Id (JetStream de-duplication)
 * is set where the message is published (`msgID`, or the relay's pipelined publisher).
 */
export function toHeaders(meta: EnvelopeMeta): MsgHdrs {
  const h = natsHeaders();
  h.set(Headers.EventId, meta.eventId);
  h.set(Headers.SchemaVersion, String(meta.schemaVersion));
  h.set(Headers.Source, meta.source);
  h.set(Headers.OccurredAt, meta.occurredAt);
  if (meta.correlationId) h.set(Headers.CorrelationId, meta.correlationId);
  return h;
}

const HEADER_BREAK = /[\r\n]/;

/**
 * The same headers as `toHeaders` plus `Nats-Msg-Id`, already in NATS wire form
 * (`NATS/1.0\r\nName: value\r\n…\r\n\r\n`, the order `toHeaders` then `set` would give),
 * for publishers of many messages: a `MsgHdrs` object is a Map of arrays whose `set` scans its keys
 * and checks every value, and is serialised again on publish; at thousands of events a second that
 * was the relay's largest share of allocations. The result is what `MsgHdrs.encode()` returns;
 * wrap it with `preEncodedHeaders` to hand it to `publish`. Values are checked as NATS checks them
 * (no CR or LF, surrounding white space trimmed).
 */
export function encodeHeaders(meta: EnvelopeMeta, msgId?: string): Uint8Array {
  let s = `NATS/1.0\r\n${Headers.EventId}: ${headerValue(meta.eventId)}\r\n${Headers.SchemaVersion}: ${meta.schemaVersion}\r\n${Headers.Source}: ${headerValue(meta.source)}\r\n${Headers.OccurredAt}: ${headerValue(meta.occurredAt)}\r\n`;
  if (meta.correlationId) s += `${Headers.CorrelationId}: ${headerValue(meta.correlationId)}\r\n`;
  if (msgId !== undefined) s += `${Headers.MsgId}: ${headerValue(msgId)}\r\n`;
  return textEncoder.encode(`${s}\r\n`);
}

function headerValue(v: string): string {
  if (HEADER_BREAK.test(v)) throw new Error('header values cannot contain \\r or \\n');
  return v.trim();
}

/**
 * Encoded headers in the shape `publish` takes. @nats-io/nats-core 3 only calls `encode()` on the
 * headers of an outgoing message (protocol.publish); the other MsgHdrs methods are for received ones.
 * `encodeHeaders` output is checked against `toHeaders` in envelope.spec.ts, and the outbox
 * integration test reads these headers back from JetStream.
 */
export function preEncodedHeaders(encoded: Uint8Array): MsgHdrs {
  return { encode: () => encoded } as unknown as MsgHdrs;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | undefined): value is string {
  return !!value && UUID.test(value);
}

export const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder();
