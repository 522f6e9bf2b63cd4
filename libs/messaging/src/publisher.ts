import { randomUUID } from 'node:crypto';
import { schemaVersionOf, validateEvent, type EventMap, type EventSubject } from '@cpo/contracts';
import { currentCorrelationId, ValidationError } from '@cpo/platform';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { BusNames } from './bus-names.js';
import { textEncoder, toHeaders } from './envelope.js';
import type { MessagingMetrics } from './metrics.js';
import type { StreamGuard } from './nats/stream-guard.js';

/**
 * Typed direct publish to JetStream, for events that do not accompany a
 * database change of the publisher (otherwise use the outbox). Resolves once
 * the stream has stored the event.
 */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
    private readonly metrics: MessagingMetrics,
    private readonly source: string,
    /** Re-creates the streams when NATS lost them, after which the publish is tried once more. */
    private readonly streams?: Pick<StreamGuard, 'recover'>,
  ) {}

  async publish<S extends EventSubject>(subject: S, payload: EventMap[S], options: { eventId?: string; correlationId?: string } = {}): Promise<string> {
    const version = schemaVersionOf(subject);
    const checked = validateEvent(subject, version, payload);
    if (!checked.ok) throw new ValidationError(`event ${subject} is invalid: ${checked.reason}`);
    const eventId = options.eventId ?? randomUUID();
    const send = () =>
      this.js.publish(this.names.subject(subject), textEncoder.encode(JSON.stringify(payload)), {
        msgID: eventId,
        headers: toHeaders({
          eventId,
          schemaVersion: version,
          source: this.source,
          correlationId: options.correlationId ?? currentCorrelationId(),
          occurredAt: new Date().toISOString(),
        }),
      });
    await send().catch(async (err: unknown) => {
      if (!(await this.streams?.recover(err))) throw err;
      return send();
    });
    this.metrics.published.inc({ subject });
    return eventId;
  }
}
