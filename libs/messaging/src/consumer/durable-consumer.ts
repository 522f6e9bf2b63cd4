import type { EventSubject } from '@cpo/contracts';
import { DomainError, runWithCorrelation } from '@cpo/platform';
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { BusNames } from '../bus-names.js';
import type { BusEvent } from '../envelope.js';
import type { MessagingMetrics } from '../metrics.js';
import { BatchFailure, HandlerFailure, type ConsumerSpec } from './consumer-spec.js';
import { isConsumerMissing } from '../nats/missing-resource.js';
import type { StreamGuard } from '../nats/stream-guard.js';
import { ConsumerSubscription } from './consumer-subscription.js';
import { DeadLetters, type DeadLetterReason } from './dead-letter.js';
import { decodeMessage } from './decode.js';
import { isInfrastructureError } from './infrastructure-error.js';
import { UnfinishedAttempts } from './unfinished-attempts.js';

export interface ConsumerDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: BusNames;
  dataSource: DataSource;
  logger: Logger;
  metrics: MessagingMetrics;
  /** Puts this consumer's stream back should it be missing when the durable is re-created. */
  streams?: Pick<StreamGuard, 'recover'>;
}

const DEFAULT_BACKOFF_MS = [1000, 5000, 15_000, 60_000];
const DEFAULT_PENDING_REFRESH_MS = 10_000;

/**
 * A JetStream durable pull consumer that processes messages in batches, each
 * batch in one PostgreSQL transaction together with its inbox rows, and acks
 * only after commit. Redeliveries of already-applied events are recognised by
 * the inbox and acknowledged without running the handler again.
 *
 * Only a failure of the message itself (its handler threw, or it is invalid) counts towards
 * dead-lettering: when the database or another dependency is unreachable (isInfrastructureError)
 * the batch is nak'd with back-off however often it was delivered, so an outage of any length
 * loses no event. A message delivered more than `maxDeliver` times is therefore tried once more,
 * alone, before anything is decided about it; one whose lone attempts the process did not survive
 * `maxUnfinished` times is dead-lettered without another (see UnfinishedAttempts).
 */
export class DurableConsumer<S extends EventSubject = EventSubject> {
  private readonly spec: Required<Omit<ConsumerSpec<S>, 'handler' | 'batchHandler' | 'recreateRetryMs'>> & Pick<ConsumerSpec<S>, 'handler' | 'batchHandler' | 'recreateRetryMs'>;
  private readonly durableName: string;
  private readonly deadLetters: DeadLetters;
  private readonly attempts: UnfinishedAttempts;
  private readonly logger: Logger;
  private subscription?: ConsumerSubscription;
  private queue: JsMsg[] = [];
  private wake?: () => void;
  private loop?: Promise<void>;
  private running = false;
  private pendingTimer?: NodeJS.Timeout;
  private refreshing = false;
  private refreshFailing = false;

  constructor(spec: ConsumerSpec<S>, private readonly deps: ConsumerDeps) {
    this.spec = {
      maxDeliver: 5,
      maxUnfinished: 3,
      ackWaitMs: 30_000,
      backoffMs: DEFAULT_BACKOFF_MS,
      maxAckPending: 1000,
      maxBatch: 200,
      pendingRefreshMs: DEFAULT_PENDING_REFRESH_MS,
      afterCommit: () => undefined,
      ...spec,
    };
    if (!spec.handler === !spec.batchHandler) throw new Error(`consumer ${spec.durable}: give exactly one of handler and batchHandler`);
    this.durableName = deps.names.durable(spec.durable);
    this.logger = deps.logger.child({ consumer: spec.durable });
    this.deadLetters = new DeadLetters(deps.js, deps.names, this.logger, deps.metrics);
    this.attempts = new UnfinishedAttempts(deps.dataSource, spec.durable, this.logger);
  }

  get name(): string {
    return this.spec.durable;
  }

  /** Creates or updates the durable consumer on the server and starts pulling (re-creating it should it disappear). */
  async start(): Promise<void> {
    const { jsm, js, names } = this.deps;
    const stream = names.stream(this.spec.stream.name);
    const config = {
      durable_name: this.durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: names.subject(this.spec.filterSubject),
      ack_wait: nanos(this.spec.ackWaitMs),
      // The bound is enforced here, not by the server: a server-side max_deliver would
      // silently stop redelivering an event whose last attempt crashed the process.
      max_deliver: -1,
      max_ack_pending: this.spec.maxAckPending,
    };
    this.subscription = new ConsumerSubscription({
      js,
      jsm,
      logger: this.logger,
      stream,
      config,
      maxMessages: Math.min(this.spec.maxAckPending, 500),
      retryMs: this.spec.recreateRetryMs,
      streams: this.deps.streams,
      onMessage: (msg) => {
        this.queue.push(msg);
        this.wake?.();
      },
    });
    await this.subscription.start();
    this.running = true;
    this.loop = this.run();
    // Unref'd: it must never keep a process alive on its own. It also notices a durable that is
    // gone while no pull reports it, so it runs even when the metric is only set per batch.
    const every = this.spec.pendingRefreshMs > 0 ? this.spec.pendingRefreshMs : DEFAULT_PENDING_REFRESH_MS;
    this.pendingTimer = setInterval(() => void this.refreshPending(stream), every).unref();
    this.logger.info({ stream, filter: config.filter_subject }, 'consumer started');
  }

  /** Why this consumer is not consuming now (its durable is gone and not re-created yet), else undefined. */
  get missing(): string | undefined {
    return this.subscription?.missing;
  }

  /**
   * Stops pulling, finishes the batch in progress and hands back what was
   * buffered (nak without delay) so another replica takes it at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.pendingTimer);
    this.pendingTimer = undefined;
    await this.subscription?.stop();
    this.wake?.();
    await this.loop;
    for (const msg of this.queue.splice(0)) this.settle(msg, 'nak');
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.splice(0, this.spec.maxBatch);
      const started = process.hrtime.bigint();
      try {
        await this.processBatch(batch);
      } catch (err) {
        // Only infrastructure failures land here (database down); leave the batch for redelivery, never dead-letter.
        this.logger.error({ err, size: batch.length }, 'consumer batch failed; messages will be redelivered');
        for (const msg of batch) this.settle(msg, 'nak', this.backoff(msg.info.deliveryCount));
      }
      this.deps.metrics.batchDuration.observe({ consumer: this.spec.durable }, Number(process.hrtime.bigint() - started) / 1e9);
      const last = batch[batch.length - 1];
      this.deps.metrics.consumerPending.set({ consumer: this.spec.durable }, last.info.pending);
    }
  }

  /**
   * `bus_consumer_pending` from the server's consumer info. The batch loop sets it only when a
   * batch completes, so a consumer that receives nothing (stuck in a handler, or its pull stalled)
   * would go on showing its last value while the stream fills up; this shows the lag anyway. A
   * failed look-up is logged once per run of failures (the next tick tries again).
   */
  private async refreshPending(stream: string): Promise<void> {
    if (this.refreshing || !this.running) return;
    this.refreshing = true;
    try {
      const info = await this.deps.jsm.consumers.info(stream, this.durableName);
      if (this.running && this.spec.pendingRefreshMs > 0) this.deps.metrics.consumerPending.set({ consumer: this.spec.durable }, info.num_pending);
      this.refreshFailing = false;
    } catch (err) {
      if (isConsumerMissing(err)) return this.subscription?.lost((err as Error).message);
      if (!this.refreshFailing) this.logger.warn({ err: (err as Error).message }, 'could not read consumer info for bus_consumer_pending; retrying');
      this.refreshFailing = true;
    } finally {
      this.refreshing = false;
    }
  }

  private async processBatch(batch: JsMsg[]): Promise<void> {
    const valid: { msg: JsMsg; event: BusEvent<S> }[] = [];
    const overdue: { msg: JsMsg; event: BusEvent<S> }[] = [];
    for (const msg of batch) {
      const decoded = decodeMessage(msg, this.deps.names);
      if (!decoded.ok) {
        await this.deadLetter(msg, 'invalid', decoded.reason, decoded.eventId);
      } else if (msg.info.deliveryCount > this.spec.maxDeliver) {
        // Its earlier deliveries may have failed only because the database was down (not the
        // message's fault), so it is tried once more before it could be dead-lettered (in
        // failed()); alone, so that a message whose processing kills the process takes no other
        // message with it (this log line names it; applyAlone counts such deaths).
        this.logger.warn({ eventId: decoded.event.id, subject: decoded.event.subject, delivery: msg.info.deliveryCount }, 'event delivered more often than maxDeliver; trying it alone');
        overdue.push({ msg, event: decoded.event as BusEvent<S> });
      } else {
        valid.push({ msg, event: decoded.event as BusEvent<S> });
      }
    }
    await this.applyIsolating(valid);
    for (const item of overdue) await this.applyAlone(item);
  }

  /** An overdue event, recorded as attempted before it is (a failure to record it is the database's: the batch is nak'd). */
  private async applyAlone(item: { msg: JsMsg; event: BusEvent<S> }): Promise<void> {
    const unfinished = await this.attempts.begin(item.event.id);
    if (unfinished >= this.spec.maxUnfinished) {
      const detail = `${unfinished} attempts at it never finished: the process handling it stopped each time (crash, out of memory, killed)`;
      if (await this.deadLetter(item.msg, 'unfinished', detail, item.event.id)) await this.attempts.end(item.event.id);
      return;
    }
    try {
      await this.applyIsolating([item]);
    } finally {
      await this.attempts.end(item.event.id);
    }
  }

  /**
   * Applies events in one transaction. When a handler throws, everything rolls
   * back; the failing event is failed (retry or dead-letter) and the rest are
   * applied again without it, so a per-event handler runs a failing event once
   * per delivery. A failing batch handler is bisected down to the bad event.
   */
  private async applyIsolating(items: { msg: JsMsg; event: BusEvent<S> }[]): Promise<void> {
    let pending = items;
    while (pending.length > 0) {
      try {
        await this.apply(pending);
        return;
      } catch (err) {
        // A handler that failed because the database (or another dependency) is gone blames no
        // message: the whole batch goes back for redelivery (run()).
        if ((err instanceof HandlerFailure || err instanceof BatchFailure) && isInfrastructureError(err.cause)) throw err.cause;
        if (err instanceof HandlerFailure) {
          const bad = pending[err.index];
          await this.failed(bad.msg, bad.event, err.cause);
          pending = pending.filter((_, i) => i !== err.index);
        } else if (err instanceof BatchFailure) {
          const mid = Math.ceil(pending.length / 2);
          await this.applyIsolating(pending.slice(0, mid));
          await this.applyIsolating(pending.slice(mid));
          return;
        } else throw err;
      }
    }
  }

  /** One transaction: claim the inbox rows, run the handler for new events, commit, then ack. */
  private async apply(items: { msg: JsMsg; event: BusEvent<S> }[]): Promise<void> {
    const { dataSource, metrics } = this.deps;
    const applied: BusEvent<S>[] = [];
    await dataSource.transaction(async (tx) => {
      const claimed: { event_id: string }[] = await tx.query(
        `INSERT INTO inbox (consumer, event_id, subject)
         SELECT $1, e.id, e.subject FROM unnest($2::uuid[], $3::text[]) AS e(id, subject)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.spec.durable, items.map((i) => i.event.id), items.map((i) => i.event.subject)],
      );
      const fresh = new Set(claimed.map((r) => r.event_id));
      applied.length = 0;
      const indexes: number[] = [];
      for (const [index, { event }] of items.entries()) {
        // delete(): the same id twice in one batch runs once.
        if (!fresh.delete(event.id)) continue;
        if (this.spec.handler) {
          try {
            await runWithCorrelation(event.correlationId, () => this.spec.handler!(event, tx));
          } catch (cause) {
            throw new HandlerFailure(index, cause);
          }
        }
        applied.push(event);
        indexes.push(index);
      }
      if (this.spec.batchHandler && applied.length > 0) {
        try {
          await this.spec.batchHandler(applied, tx);
        } catch (cause) {
          throw applied.length === 1 ? new HandlerFailure(indexes[0], cause) : new BatchFailure(cause);
        }
      }
    });
    const processed = applied.length;
    this.spec.afterCommit(applied);
    for (const { msg } of items) this.settle(msg, 'ack');
    metrics.consumed.inc({ consumer: this.spec.durable, outcome: 'processed' }, processed);
    if (items.length > processed) metrics.consumed.inc({ consumer: this.spec.durable, outcome: 'duplicate' }, items.length - processed);
  }

  private async failed(msg: JsMsg, event: BusEvent<S>, err: unknown): Promise<void> {
    const detail = err instanceof Error ? err.message : String(err);
    if (err instanceof DomainError && err.kind === 'validation') {
      await this.deadLetter(msg, 'rejected', detail, event.id);
      return;
    }
    // Only a failure of the message's own counts against maxDeliver (see isInfrastructureError).
    if (msg.info.deliveryCount >= this.spec.maxDeliver && !isInfrastructureError(err)) {
      await this.deadLetter(msg, 'max_deliveries', `handler failed on delivery ${msg.info.deliveryCount}: ${detail}`, event.id);
      return;
    }
    const delay = this.backoff(msg.info.deliveryCount);
    this.logger.warn({ eventId: event.id, subject: event.subject, delivery: msg.info.deliveryCount, retryInMs: delay, err: detail }, 'handler failed; will retry');
    this.deps.metrics.consumed.inc({ consumer: this.spec.durable, outcome: 'retried' });
    this.settle(msg, 'nak', delay);
  }

  /** Whether the message is on the dead-letter stream now (else it was kept for redelivery). */
  private async deadLetter(msg: JsMsg, kind: DeadLetterReason, detail: string, eventId?: string): Promise<boolean> {
    try {
      await this.deadLetters.send(this.spec.durable, msg, kind, detail, eventId);
      this.settle(msg, 'ack');
      return true;
    } catch (err) {
      this.logger.error({ err, eventId, kind, detail }, 'dead-letter publish failed; keeping the message for redelivery');
      this.settle(msg, 'nak', this.backoff(msg.info.deliveryCount));
      return false;
    }
  }

  /**
   * Acks and naks are fire-and-forget; if the connection is gone they cannot
   * be sent, and the server redelivers after ack_wait. Committed work is then
   * recognised by the inbox, so losing an ack costs time, never correctness.
   */
  private settle(msg: JsMsg, how: 'ack' | 'nak', delayMs?: number): void {
    try {
      if (how === 'ack') msg.ack();
      else msg.nak(delayMs);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, seq: msg.info.streamSequence, how }, 'could not settle message; it will be redelivered');
    }
  }

  private backoff(deliveryCount: number): number {
    const b = this.spec.backoffMs;
    return b[Math.min(Math.max(deliveryCount - 1, 0), b.length - 1)];
  }
}
