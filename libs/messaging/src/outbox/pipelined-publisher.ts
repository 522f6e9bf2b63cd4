import { createInbox, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { encodeHeaders, preEncodedHeaders, textDecoder, type EnvelopeMeta } from '../envelope.js';
import { PublishRefusedError } from './publish-failure.js';

export interface PipelinedMessage {
  subject: string;
  data: Uint8Array;
  /** The bus headers, encoded straight to wire form (see `encodeHeaders`). */
  meta: EnvelopeMeta;
  /** Nats-Msg-Id: JetStream drops a second message with the same id within its window. */
  msgId: string;
}

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** One message's slot in its batch's results; the batch resolves when its last slot is filled. */
interface Waiter {
  results: PromiseSettledResult<PubAck>[];
  index: number;
  batch: { open: number; done: () => void };
}

/**
 * JetStream publishes for a batch, all written at once and their PubAcks awaited together.
 *
 * `js.publish` makes every message a separate request: its own reply subscription entry, timer and
 * promise, and an `Error` object built on every *successful* request (`RequestOne.cancel()` in
 * @nats-io/nats-core 3 rejects an already-settled deferred with a fresh RequestError, stack trace
 * included, even with `noAsyncTraces`): that alone was 3 % of the ocpp service's CPU. Here one
 * wildcard subscription receives every PubAck, matched by the token at the end of the reply subject,
 * and a batch has one timer and one promise (not one per message). Headers are written straight to
 * their wire form. The guarantees are those of `js.publish`: a message counts as stored
 * only when its stream acknowledged it; a 503 status (no stream for the subject) or a JetStream
 * error reply fails that message alone (with a PublishRefusedError); a message larger than the
 * server's max_payload fails alone with the client's error; a timeout fails whatever is still
 * unacknowledged.
 */
export class PipelinedPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiter>();
  private sub?: Subscription;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = `${createInbox()}.`;
  }

  /** Settles in the order given: fulfilled with the PubAck, or rejected with why it was not stored. */
  async publishAll(messages: PipelinedMessage[], timeoutMs: number): Promise<PromiseSettledResult<PubAck>[]> {
    this.subscribe();
    const results: PromiseSettledResult<PubAck>[] = new Array(messages.length);
    const tokens: string[] = new Array(messages.length);
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    // `open` starts at 1 so that acknowledgements arriving while the loop still publishes cannot finish the batch early.
    const batch = { open: messages.length + 1, done };
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const token = (this.next++).toString(36);
      tokens[i] = token;
      this.waiting.set(token, { results, index: i, batch });
      try {
        this.nc.publish(m.subject, m.data, { reply: this.prefix + token, headers: preEncodedHeaders(encodeHeaders(m.meta, m.msgId)) });
      } catch (err) {
        this.settle(token, undefined, err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (--batch.open === 0) done();
    const timer = setTimeout(() => {
      for (const t of tokens) this.settle(t, undefined, new Error(`no PubAck within ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      await finished;
      return results;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Unsubscribes; anything still waiting fails (the relay retries those rows later). */
  close(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const t of [...this.waiting.keys()]) this.settle(t, undefined, new Error('publisher closed'));
  }

  private subscribe(): void {
    if (this.sub && !this.sub.isClosed()) return;
    this.sub = this.nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (err) return;
        const token = msg.subject.slice(this.prefix.length);
        if (!this.waiting.has(token)) return; // late, after its batch timed out
        if (msg.headers && msg.headers.code === 503) return this.settle(token, undefined, new PublishRefusedError('no stream stores this subject (503 no responders)', 503));
        try {
          const reply = JSON.parse(textDecoder.decode(msg.data)) as Partial<PubAck> & { error?: { code?: number; err_code?: number; description?: string } };
          if (reply.error) {
            const { code, err_code: errCode, description } = reply.error;
            return this.settle(token, undefined, new PublishRefusedError(`JetStream refused the message: ${description ?? 'unknown'} (${code ?? '?'}/${errCode ?? '?'})`, code, errCode));
          }
          if (typeof reply.stream !== 'string' || typeof reply.seq !== 'number') return this.settle(token, undefined, new Error('malformed PubAck'));
          this.settle(token, { stream: reply.stream, seq: reply.seq, duplicate: reply.duplicate === true });
        } catch {
          this.settle(token, undefined, new Error('unreadable PubAck'));
        }
      },
    });
  }

  private settle(token: string, ack: PubAck | undefined, err?: Error): void {
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    w.results[w.index] = ack ? { status: 'fulfilled', value: ack } : { status: 'rejected', reason: err ?? new Error('not acknowledged') };
    if (--w.batch.open === 0) w.batch.done();
  }
}
