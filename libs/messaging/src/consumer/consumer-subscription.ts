import type { ConsumerConfig, ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { isMissingConsumerStatus, isStreamMissing } from '../nats/missing-resource.js';
import type { StreamGuard } from '../nats/stream-guard.js';

export interface ConsumerSubscriptionOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: Logger;
  /** The stream's name on the wire (with the deployment's prefix). */
  stream: string;
  /** The durable's configuration, the same at boot and whenever it is re-created. */
  config: Partial<ConsumerConfig> & { durable_name: string };
  /** Messages the pull keeps requested at once. */
  maxMessages: number;
  onMessage(msg: JsMsg): void;
  /** Waits between attempts at re-creating a lost durable (last value repeats). */
  retryMs?: number[];
  /**
   * Puts a missing stream back (the streams every service ensures at boot): a stream published to
   * rarely would otherwise stay missing, and this durable with it, until its next publish.
   */
  streams?: Pick<StreamGuard, 'recover'>;
}

const DEFAULT_RETRY_MS = [250, 1000, 2000, 5000];

/**
 * A durable pull consumer's presence on the server and its `consume()` loop. The durable is created
 * (or updated) at boot; when it disappears later (NATS came back without its storage, its stream was
 * deleted and re-created, an operator deleted it) the library keeps pulling from nothing for ever,
 * so this re-creates it with the boot configuration as soon as its stream exists again, trying with
 * back-off meanwhile (the stream may belong to a service that has not re-created it yet), and
 * reports `missing` for readiness until it consumes again.
 */
export class ConsumerSubscription {
  private messages?: ConsumerMessages;
  private running = false;
  private recovering?: Promise<void>;
  private wakeSleep?: () => void;
  /** Why the durable is not consuming (readiness is down while set). */
  missing?: string;

  constructor(private readonly o: ConsumerSubscriptionOptions) {}

  /** At boot: a failure throws (the stream must exist by then: MessagingModule ensured it). */
  async start(): Promise<void> {
    await this.ensureDurable();
    this.running = true;
    await this.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeSleep?.();
    await this.recovering;
    const messages = this.messages;
    this.messages = undefined;
    await messages?.close().catch(() => undefined);
  }

  /**
   * The durable (or its stream) is gone: stop pulling and re-create it. Called from the loop's
   * status notifications and by anyone whose consumer info answered "not found".
   */
  lost(reason: string): void {
    if (!this.running || this.recovering) return;
    this.missing = reason;
    this.o.logger.warn({ stream: this.o.stream, reason }, 'durable consumer is gone from the server; re-creating it with its boot configuration');
    this.recovering = this.recover().finally(() => (this.recovering = undefined));
  }

  private async recover(): Promise<void> {
    const old = this.messages;
    this.messages = undefined;
    await old?.close().catch(() => undefined);
    const retry = this.o.retryMs ?? DEFAULT_RETRY_MS;
    for (let attempt = 0; this.running; attempt++) {
      try {
        const how = await this.ensureDurable();
        if (!this.running) return;
        await this.open();
        this.missing = undefined;
        this.o.logger.warn({ stream: this.o.stream, how, attempts: attempt + 1 }, 'durable consumer restored; consuming again');
        return;
      } catch (err) {
        const detail = (err as Error)?.message ?? String(err);
        // Logged once, then at every tenth attempt: the stream's owner may take a while to put it back.
        if (attempt % 10 === 0) this.o.logger.warn({ stream: this.o.stream, err: detail, attempt: attempt + 1 }, 'cannot re-create the durable consumer yet (stream missing?); retrying');
        this.missing = `${this.o.config.durable_name}: ${detail}`;
        // Rate-limited by the guard (one re-ensure per interval, shared with the publishers): no spin.
        if (isStreamMissing(err)) await this.o.streams?.recover(err).catch(() => false);
        await this.sleep(retry[Math.min(attempt, retry.length - 1)]);
      }
    }
  }

  /** Creates the durable, or brings the limits of an existing one up to date (a new release's). */
  private async ensureDurable(): Promise<'created' | 'updated'> {
    const { jsm, stream, config } = this.o;
    const existing = await jsm.consumers.info(stream, config.durable_name).catch(() => undefined);
    if (!existing) {
      await jsm.consumers.add(stream, config);
      return 'created';
    }
    await jsm.consumers.update(stream, config.durable_name, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending, max_deliver: config.max_deliver });
    return 'updated';
  }

  private async open(): Promise<void> {
    const consumer = await this.o.js.consumers.get(this.o.stream, this.o.config.durable_name);
    const messages = await consumer.consume({ max_messages: this.o.maxMessages, callback: (msg) => this.o.onMessage(msg) });
    if (!this.running) {
      await messages.close().catch(() => undefined);
      return;
    }
    this.messages = messages;
    void this.watch(messages);
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const status of messages.status()) {
        if (this.messages !== messages) return;
        if (isMissingConsumerStatus(status)) return this.lost(status.type);
      }
    } catch {
      // The iterator ends with the loop it reports on.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
