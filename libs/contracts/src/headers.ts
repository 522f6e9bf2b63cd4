/**
 * Header names used on every bus message (JetStream events and core requests alike).
 */
export const Headers = {
  /** JetStream de-duplication key; set to the event id so outbox retries are dropped. */
  MsgId: 'Nats-Msg-Id',
  /** Unique id of the event (UUID); consumers are idempotent by it. */
  EventId: 'Cpo-Event-Id',
  /** Schema version of the payload, as a decimal integer (see `schemaVersionOf`). */
  SchemaVersion: 'Cpo-Schema-Version',
  /** Name of the publishing service, e.g. `planner`. */
  Source: 'Cpo-Source',
  /** Correlation id of the request or job that caused the message; logs carry it too. */
  CorrelationId: 'Cpo-Correlation-Id',
  /** When the fact happened (ISO-8601 with offset), which may precede publication (outbox). */
  OccurredAt: 'Cpo-Occurred-At',
  /** Dead-letter: why the consumer gave up (e.g. the validation reason). */
  DeadLetterReason: 'Cpo-Dlq-Reason',
  /** Dead-letter: durable name of the consumer that gave up. */
  DeadLetterConsumer: 'Cpo-Dlq-Consumer',
  /** Dead-letter: how many deliveries were attempted. */
  DeadLetterDeliveries: 'Cpo-Dlq-Deliveries',
  /** Dead-letter: the subject the message was originally published on. */
  DeadLetterOriginalSubject: 'Cpo-Dlq-Original-Subject',
} as const;

/** Any of the {@link Headers} names. */
export type HeaderName = (typeof Headers)[keyof typeof Headers];

/**
 * Parses a `Cpo-Schema-Version` header value: a positive decimal integer, else `undefined`.
 */
export function parseSchemaVersionHeader(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || !/^[1-9][0-9]{0,8}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
