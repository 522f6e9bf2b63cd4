import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Bus metrics, registered on the app's own registry. */
export class MessagingMetrics {
  readonly published: Counter<'subject'>;
  readonly publishFailures: Counter<'subject'>;
  readonly outboxPending: Gauge;
  readonly outboxParked: Counter<'subject'>;
  readonly fastPathDeferred: Counter;
  readonly consumed: Counter<'consumer' | 'outcome'>;
  readonly deadLetters: Counter<'consumer' | 'reason'>;
  readonly consumerPending: Gauge<'consumer'>;
  readonly batchDuration: Histogram<'consumer'>;
  readonly requestDuration: Histogram<'subject' | 'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = new Counter({ name: 'bus_events_published_total', help: 'Events published to JetStream', labelNames: ['subject'], registers });
    this.publishFailures = new Counter({
      name: 'bus_publish_failures_total',
      help: 'Publish attempts that failed and will be retried',
      labelNames: ['subject'],
      registers,
    });
    this.outboxPending = new Gauge({ name: 'bus_outbox_pending', help: 'Outbox rows not yet published (last relay pass)', registers });
    this.outboxParked = new Counter({
      name: 'bus_outbox_parked_total',
      help: 'Outbox events that can never be published (e.g. larger than max_payload), kept in the outbox with last_error "parked: ..." and no longer retried',
      labelNames: ['subject'],
      registers,
    });
    this.fastPathDeferred = new Counter({
      name: 'bus_outbox_fast_path_deferred_total',
      help: 'Committed events the outbox fast path left to the relay because its in-flight cap was reached (they arrive seconds later)',
      registers,
    });
    this.consumed = new Counter({
      name: 'bus_events_consumed_total',
      help: 'Deliveries handled by durable consumers, by outcome (processed, duplicate, retried, dead_lettered)',
      labelNames: ['consumer', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'bus_dead_letters_total',
      help: 'Events moved to the dead-letter stream, by consumer and reason',
      labelNames: ['consumer', 'reason'],
      registers,
    });
    this.consumerPending = new Gauge({
      name: 'bus_consumer_pending',
      help: 'Messages in the stream not yet delivered to the consumer (lag)',
      labelNames: ['consumer'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'bus_consumer_batch_duration_seconds',
      help: 'Time to process and commit one consumer batch',
      labelNames: ['consumer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'bus_request_duration_seconds',
      help: 'Core NATS request/reply latency, by outcome',
      labelNames: ['subject', 'outcome'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
  }
}
