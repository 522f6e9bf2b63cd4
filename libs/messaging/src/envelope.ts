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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string | undefined): value is string {
  return !!value && UUID.test(value);
}

export const textEncoder = new TextEncoder();
export const textDecoder = new TextDecoder();
