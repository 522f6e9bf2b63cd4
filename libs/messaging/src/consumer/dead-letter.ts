import { deadLetterSubject, Headers } from '@cpo/contracts';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { BusNames } from '../bus-names.js';
import type { MessagingMetrics } from '../metrics.js';

/**
 * Why a message was dead-lettered (the start of its reason header): unreadable or invalid, its
 * handler kept failing, the handler rejected it for good, or the process died on each attempt.
 */
export type DeadLetterReason = 'invalid' | 'max_deliveries' | 'rejected' | 'unfinished';

/**
 * Moves a message to the DEADLETTER stream with the reason in its headers,
 * then logs and counts it. Only after the dead letter is stored is the
 * original acknowledged: if the DLQ publish fails, the caller keeps the
 * message for redelivery instead.
 */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
    private readonly logger: Logger,
    private readonly metrics: MessagingMetrics,
  ) {}

  async send(consumer: string, msg: JsMsg, kind: DeadLetterReason, detail: string, eventId?: string): Promise<void> {
    const h = natsHeaders();
    for (const [key, values] of msg.headers ?? []) for (const v of values) if (key !== Headers.MsgId) h.append(key, v);
    h.set(Headers.DeadLetterReason, `${kind}: ${detail}`.slice(0, 2000));
    h.set(Headers.DeadLetterConsumer, consumer);
    h.set(Headers.DeadLetterDeliveries, String(msg.info.deliveryCount));
    h.set(Headers.DeadLetterOriginalSubject, this.names.logical(msg.subject));
    // De-duplicated per consumer and original message, so a crash after this publish adds no second copy.
    const msgID = `dlq:${consumer}:${eventId ?? `seq-${msg.info.streamSequence}`}`;
    await this.js.publish(this.names.subject(deadLetterSubject(consumer)), msg.data, { headers: h, msgID });
    this.metrics.deadLetters.inc({ consumer, reason: kind });
    this.metrics.consumed.inc({ consumer, outcome: 'dead_lettered' });
    this.logger.error(
      { consumer, eventId, subject: this.names.logical(msg.subject), deliveries: msg.info.deliveryCount, reason: kind, detail },
      'event dead-lettered',
    );
  }
}
