import { randomUUID } from 'node:crypto';
import { schemaVersionOf, validateEvent, type EventMap, type EventSubject } from '@cpo/contracts';
import { currentCorrelationId, ValidationError } from '@cpo/platform';
import type { EntityManager } from 'typeorm';
import { OUTBOX_CHANNEL } from './schema.js';

export interface OutboxEvent<S extends EventSubject = EventSubject> {
  subject: S;
  payload: EventMap[S];
  /** Defaults to a fresh UUID; pass one to make the write itself idempotent. */
  eventId?: string;
  correlationId?: string;
}

/**
 * Writes events into the outbox inside the caller's transaction. If that
 * transaction rolls back, the events never existed; if it commits, the relay
 * is woken by NOTIFY and publishes them.
 */
export class OutboxWriter {
  constructor(private readonly source: string) {}

  async enqueue<S extends EventSubject>(tx: EntityManager, subject: S, payload: EventMap[S], options: Omit<OutboxEvent<S>, 'subject' | 'payload'> = {}): Promise<string> {
    const [id] = await this.enqueueMany(tx, [{ subject, payload, ...options }]);
    return id;
  }

  async enqueueMany(tx: EntityManager, events: OutboxEvent[]): Promise<string[]> {
    if (!tx.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter needs the EntityManager of an open transaction');
    }
    if (events.length === 0) return [];
    const ids: string[] = [];
    const subjects: string[] = [];
    const versions: number[] = [];
    const payloads: string[] = [];
    const correlations: (string | null)[] = [];
    for (const e of events) {
      const version = schemaVersionOf(e.subject);
      // A producer emitting a payload its own contract rejects is a bug: fail the transaction, loudly.
      const checked = validateEvent(e.subject, version, e.payload);
      if (!checked.ok) throw new ValidationError(`outbox event ${e.subject} is invalid: ${checked.reason}`);
      ids.push(e.eventId ?? randomUUID());
      subjects.push(e.subject);
      versions.push(version);
      payloads.push(JSON.stringify(e.payload));
      correlations.push(e.correlationId ?? currentCorrelationId() ?? null);
    }
    // One round trip: the rows, and the NOTIFY that fires only if this transaction commits.
    await tx.query(
      `WITH ins AS (
         INSERT INTO outbox (id, subject, schema_version, payload, correlation_id, source)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::json[], $5::text[], array_fill($6::text, ARRAY[cardinality($1::uuid[])]))
         RETURNING 1)
       SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM ins) c`,
      [ids, subjects, versions, payloads, correlations, this.source],
    );
    return ids;
  }
}
