import { Headers, type ValidationResult } from '@cpo/contracts';
import { currentCorrelationId, runWithCorrelation, TimeoutError, UnavailableError, ValidationError } from '@cpo/platform';
import { errors, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { BusNames } from '../bus-names.js';
import { textDecoder, textEncoder } from '../envelope.js';
import type { MessagingMetrics } from '../metrics.js';

type Parser<T> = (payload: unknown) => ValidationResult<T>;

/** The `details` of the UnavailableError for a request nobody subscribes to (NATS answered at once). */
const NO_RESPONDERS = Object.freeze({ reason: 'no_responders' });

/**
 * Whether a BusRequester request failed because nobody serves its subject, as opposed to a timeout
 * or a broken connection: for optional responders (plug-ins), where nobody means "not installed".
 */
export function isNoResponders(err: unknown): boolean {
  return err instanceof UnavailableError && err.details === NO_RESPONDERS;
}

/**
 * Core NATS request/reply for calls that need an answer now, such as a
 * command to the replica that holds a charger's socket. No persistence: a
 * missing responder or a timeout is reported to the caller, never retried
 * behind its back.
 */
export class BusRequester {
  constructor(
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly metrics: MessagingMetrics,
    private readonly source: string,
  ) {}

  async request<Req, Rep>(subject: string, payload: Req, options: { timeoutMs: number; parseReply: Parser<Rep>; metricSubject?: string }): Promise<Rep> {
    const h = natsHeaders();
    h.set(Headers.Source, this.source);
    const correlationId = currentCorrelationId();
    if (correlationId) h.set(Headers.CorrelationId, correlationId);
    const started = process.hrtime.bigint();
    const label = options.metricSubject ?? subject;
    const observe = (outcome: string) =>
      this.metrics.requestDuration.observe({ subject: label, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    let raw: Uint8Array;
    try {
      const reply = await this.nc.request(this.names.subject(subject), textEncoder.encode(JSON.stringify(payload)), { timeout: options.timeoutMs, headers: h });
      raw = reply.data;
    } catch (err) {
      // nats-core 3 wraps "no responders" in a RequestError (its cause), never throws it bare.
      if (err instanceof errors.NoRespondersError || (err instanceof errors.RequestError && err.isNoResponders())) {
        observe('no_responders');
        throw new UnavailableError(`no responder for ${subject}`, NO_RESPONDERS, { cause: err });
      }
      if (err instanceof errors.TimeoutError) {
        observe('timeout');
        throw new TimeoutError(`no reply on ${subject} within ${options.timeoutMs} ms`, undefined, { cause: err });
      }
      observe('error');
      throw new UnavailableError(`request on ${subject} failed: ${(err as Error).message}`, undefined, { cause: err });
    }
    const parsed = parseJson(raw, options.parseReply);
    if (!parsed.ok) {
      observe('invalid_reply');
      throw new ValidationError(`invalid reply on ${subject}: ${parsed.reason}`);
    }
    observe('ok');
    return parsed.value;
  }
}

/**
 * The reply a responder produced could not be sent (e.g. larger than the server's max_payload: the
 * answer of a charger may be a 4 MB frame); the requester gets `toErrorReply` of this instead.
 */
export class ReplyNotSentError extends UnavailableError {}

export interface ServeOptions<Req, Rep> {
  /** Logical subject; may contain wildcards (e.g. one subscription per station). */
  subject: string;
  parseRequest: Parser<Req>;
  /**
   * `source`: the requester's `Cpo-Source` header, the service it names itself as (not
   * authenticated: whoever may publish on the subject may write it), absent when it sent none.
   */
  handle: (request: Req, meta: { subject: string; correlationId?: string; source?: string }) => Promise<Rep>;
  /** Maps a rejected request or a thrown error to the reply payload the contract defines. */
  toErrorReply: (error: unknown) => Rep;
  /** Queue group, for services where any replica may answer. */
  queue?: string;
}

export class BusResponder {
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly logger: Logger,
  ) {}

  serve<Req, Rep>(o: ServeOptions<Req, Rep>): Subscription {
    const sub = this.nc.subscribe(this.names.subject(o.subject), {
      queue: o.queue,
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject: o.subject }, 'responder subscription failed');
          return;
        }
        const correlationId = msg.headers?.get(Headers.CorrelationId) || undefined;
        void runWithCorrelation(correlationId, async () => {
          let reply: Rep;
          const parsed = parseJson(msg.data, o.parseRequest);
          if (!parsed.ok) reply = o.toErrorReply(new ValidationError(parsed.reason));
          else {
            try {
              const source = msg.headers?.get(Headers.Source) || undefined;
              reply = await o.handle(parsed.value, { subject: this.names.logical(msg.subject), correlationId, ...(source ? { source } : {}) });
            } catch (e) {
              this.logger.warn({ err: e, subject: msg.subject }, 'request handler failed');
              reply = o.toErrorReply(e);
            }
          }
          this.respond(msg, reply, o.toErrorReply);
        });
      },
    });
    this.subscriptions.add(sub);
    void sub.closed.then(() => this.subscriptions.delete(sub));
    return sub;
  }

  /**
   * Sends the reply, or, when the bus refuses it, the error reply saying so. The refusal is thrown
   * here, outside any caller: unhandled, it ended the process (every other request it served with
   * it), and the requester waited its whole timeout for a reply that never came.
   */
  private respond<Rep>(msg: Msg, reply: Rep, toErrorReply: (error: unknown) => Rep): void {
    let bytes: number | undefined;
    try {
      const data = textEncoder.encode(JSON.stringify(reply));
      bytes = data.length;
      if (!msg.respond(data)) this.logger.warn({ subject: msg.subject }, 'request had no reply subject');
      return;
    } catch (err) {
      this.logger.error({ err, subject: msg.subject, bytes }, 'reply could not be sent on the bus; answered with an error instead');
      const why = `the reply${bytes === undefined ? '' : ` (${bytes} bytes)`} could not be sent on the bus: ${(err as Error).message}`;
      try {
        msg.respond(textEncoder.encode(JSON.stringify(toErrorReply(new ReplyNotSentError(why, undefined, { cause: err })))));
      } catch (again) {
        this.logger.error({ err: again, subject: msg.subject }, 'error reply could not be sent either; the requester times out');
      }
    }
  }

  /** Drains every subscription: in-flight requests are answered, new ones go elsewhere. */
  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.drain().catch(() => undefined)));
  }
}

function parseJson<T>(data: Uint8Array, parse: Parser<T>): ValidationResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(textDecoder.decode(data));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  return parse(json);
}
