import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  CS_ACTIONS_16,
  isAction16,
  normalizeCallErrorCode16,
  OcppCallError,
  OcppTimeoutError,
  parseFrame,
  InboundIds,
  serializeCall,
  serializeCallError,
  serializeCallResult,
  validateRequest16,
  validateResponse16,
  type Conf16,
  type CpAction16,
  type CsAction16,
  type Req16,
} from '@cpo/ocpp-protocol';
import WebSocket, { type ClientOptions } from 'ws';
import { decoratedHandlers, type AfterHandler, type OnHandler, type OnOptions } from './handlers.js';

export interface ChargePointOptions {
  /** The charge point identity; appended (percent-encoded) to `url`. */
  identity: string;
  /** Central system endpoint without the identity, e.g. `ws://localhost:3002/ocpp`. */
  url: string;
  /** Offered subprotocols in preference order. */
  protocols?: string[];
  /** How long a CALL waits for its answer. */
  responseTimeoutMs?: number;
  /** Security profile 1/2: HTTP Basic with the identity as user and this AuthorizationKey as password. */
  basicAuthKey?: string | Buffer;
  /** Reconnect after a drop, with exponential back-off and jitter. On by default. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number } | false;
  /**
   * WebSocket ping interval (the charger's WebSocketPingInterval); 0 = off.
   * Two intervals without a pong terminate the socket so a half-open TCP
   * connection is noticed and reconnected.
   */
  pingIntervalMs?: number;
  /** TLS and other `ws` client options (security profile 2/3). */
  wsOptions?: ClientOptions;
}

export interface CallOptions {
  /** true (default): a CALLERROR is returned as an OcppCallError; false: it is thrown. */
  suppress?: boolean;
  uniqueId?: string;
  skipSchemaValidation?: boolean;
  timeoutMs?: number;
}

type Pending = { uniqueId: string; action: CpAction16; skip: boolean; resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout };

/** Thrown by call() when the connection drops (or is not open) before the answer. */
export class OcppDisconnectedError extends Error {
  constructor(readonly action: string) {
    super(`connection closed before ${action} was answered`);
    this.name = 'OcppDisconnectedError';
  }
}

/**
 * An OCPP 1.6-J charge point: subclass it and register handlers with @On /
 * @After (or handle()/after()), start() it, and call() the central system.
 * One CALL is in flight at a time with a FIFO behind it; inbound CALLs are
 * answered in arrival order even while our own CALL waits.
 *
 * Events: 'open', 'close' (code, reason), 'frame' (direction, text), 'error'.
 */
export class ChargePoint16 extends EventEmitter {
  readonly identity: string;
  protected readonly options: Required<Pick<ChargePointOptions, 'protocols' | 'responseTimeoutMs'>> & ChargePointOptions;
  private socket?: WebSocket;
  private readonly on_ = new Map<string, { fn: OnHandler; options: OnOptions }>();
  private readonly after_ = new Map<string, AfterHandler[]>();
  private outbound: Promise<unknown> = Promise.resolve();
  private pending?: Pending;
  private inbound: Promise<void> = Promise.resolve();
  private readonly inboundIds = new InboundIds();
  private stopped = true;
  private attempts = 0;
  private openWaiters: (() => void)[] = [];
  /** Frames that could not be read at all (no id to answer); kept for diagnosis. */
  badFrames = 0;

  constructor(options: ChargePointOptions) {
    super();
    this.identity = options.identity;
    this.options = { protocols: ['ocpp1.6'], responseTimeoutMs: 30_000, ...options };
    const decorated = decoratedHandlers(this);
    for (const [k, v] of decorated.on) this.on_.set(k, v);
    for (const [k, v] of decorated.after) this.after_.set(k, v);
  }

  /** Registers a handler without decorators. */
  handle<A extends CsAction16>(action: A, fn: OnHandler<A>, options: OnOptions = {}): this {
    this.on_.set(action, { fn: fn as unknown as OnHandler, options });
    return this;
  }

  after<A extends CsAction16>(action: A, fn: AfterHandler<A>): this {
    this.after_.set(action, [...(this.after_.get(action) ?? []), fn as unknown as AfterHandler]);
    return this;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Connects (and reconnects) until stop(); resolves once stopped. */
  async start(): Promise<void> {
    this.stopped = false;
    while (!this.stopped) {
      const closed = await this.connectOnce();
      if (this.stopped || this.options.reconnect === false) break;
      const { initialDelayMs = 1000, maxDelayMs = 60_000 } = this.options.reconnect ?? {};
      const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempts++, 16));
      const delay = base / 2 + Math.random() * (base / 2);
      this.emit('reconnecting', { delayMs: Math.round(delay), closed });
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Resolves when the socket is open (immediately if it is). */
  waitOpen(): Promise<void> {
    return this.isOpen ? Promise.resolve() : new Promise((resolve) => this.openWaiters.push(resolve));
  }

  /** Drops the connection without a close handshake, as a network loss would; reconnection follows if enabled. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000);
    });
  }

  /**
   * Sends a CALL and resolves with the typed CALLRESULT. A CALLERROR comes back
   * as an OcppCallError object (or is thrown with `suppress: false`); a timeout
   * throws OcppTimeoutError; a dropped connection throws OcppDisconnectedError.
   */
  call<A extends CpAction16>(action: A, payload: Req16<A>, opts: CallOptions = {}): Promise<Conf16<A> | OcppCallError> {
    if (!opts.skipSchemaValidation) {
      const checked = validateRequest16(action, payload);
      if (!checked.ok) return Promise.reject(new OcppCallError(checked.code, `refusing to send invalid ${action}: ${checked.description}`, checked.details));
    }
    // Chain behind the previous CALL: OCPP-J allows one outstanding CALL per direction.
    const run = this.outbound.then(() => this.send(action, payload, opts));
    this.outbound = run.catch(() => undefined);
    return run.then(
      (conf) => conf as Conf16<A>,
      (err: unknown) => {
        if (err instanceof OcppCallError && opts.suppress !== false) return err;
        throw err;
      },
    );
  }

  private send(action: CpAction16, payload: unknown, opts: CallOptions): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new OcppDisconnectedError(action));
    const uniqueId = opts.uniqueId ?? randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.options.responseTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new OcppTimeoutError(action, uniqueId, timeoutMs));
      }, timeoutMs);
      this.pending = { uniqueId, action, skip: !!opts.skipSchemaValidation, resolve, reject, timer };
      this.write(serializeCall(uniqueId, action, payload as Record<string, unknown>));
    });
  }

  private connectOnce(): Promise<{ code: number; reason: string }> {
    const url = `${this.options.url.replace(/\/$/, '')}/${encodeURIComponent(this.identity)}`;
    const headers: Record<string, string> = {};
    if (this.options.basicAuthKey !== undefined) {
      const key = Buffer.isBuffer(this.options.basicAuthKey) ? this.options.basicAuthKey : Buffer.from(this.options.basicAuthKey);
      headers.Authorization = `Basic ${Buffer.concat([Buffer.from(`${this.identity}:`), key]).toString('base64')}`;
    }
    const socket = new WebSocket(url, this.options.protocols, { ...this.options.wsOptions, headers: { ...this.options.wsOptions?.headers, ...headers } });
    this.socket = socket;
    return new Promise((resolve) => {
      let pinger: NodeJS.Timeout | undefined;
      socket.on('open', () => {
        this.attempts = 0;
        if (this.options.pingIntervalMs) {
          let alive = true;
          socket.on('pong', () => (alive = true));
          pinger = setInterval(() => {
            if (!alive) return socket.terminate();
            alive = false;
            socket.ping();
          }, this.options.pingIntervalMs);
        }
        this.inboundIds.clear();
        this.emit('open', { protocol: socket.protocol });
        for (const w of this.openWaiters.splice(0)) w();
      });
      socket.on('message', (data) => this.receive(String(data)));
      socket.on('error', (err) => this.report(err));
      socket.on('unexpected-response', (_req, res) => {
        this.report(new Error(`handshake refused: HTTP ${res.statusCode}`));
        socket.terminate();
      });
      socket.on('close', (code, reason) => {
        clearInterval(pinger);
        const p = this.pending;
        if (p) {
          clearTimeout(p.timer);
          this.pending = undefined;
          p.reject(new OcppDisconnectedError(p.action));
        }
        this.emit('close', { code, reason: String(reason) });
        resolve({ code, reason: String(reason) });
      });
    });
  }

  /** 'error' listeners get problems that have no caller to throw to; without one they become process warnings, never crashes. */
  private report(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err instanceof Error ? err.message : String(err), { type: 'OcppChargePointWarning', detail: (err as Error)?.stack });
  }

  private write(text: string): void {
    this.emit('frame', 'out', text);
    this.socket?.send(text);
  }

  private receive(text: string): void {
    this.emit('frame', 'in', text);
    const parsed = parseFrame(text);
    if (parsed.kind === 'ignore') return;
    if (parsed.kind === 'invalid') {
      if (parsed.uniqueId) this.write(serializeCallError(parsed.uniqueId, parsed.code, parsed.description));
      else this.badFrames += 1;
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 2) {
      // Inbound CALLs are handled strictly in order; answers to our CALL never wait behind them.
      // A failure while answering one CALL must not stop the chain for the next ones.
      this.inbound = this.inbound.then(() => this.answer(frame.uniqueId, frame.action, frame.payload)).catch((err: unknown) => this.report(err));
      return;
    }
    const p = this.pending;
    if (!p || p.uniqueId !== frame.uniqueId) return; // late answer after a timeout: dropped
    clearTimeout(p.timer);
    this.pending = undefined;
    if (frame.type === 4) {
      p.reject(new OcppCallError(normalizeCallErrorCode16(frame.code), frame.description, frame.details));
      return;
    }
    if (!p.skip) {
      const checked = validateResponse16(p.action, frame.payload);
      if (!checked.ok) {
        p.reject(new OcppCallError(checked.code, `invalid ${p.action} response: ${checked.description}`, checked.details));
        return;
      }
    }
    p.resolve(frame.payload);
  }

  private async answer(uniqueId: string, action: string, payload: unknown): Promise<void> {
    const seen = this.inboundIds.begin(uniqueId, `${action}:${JSON.stringify(payload)}`);
    if (seen.kind === 'answered') return this.write(seen.frame);
    if (seen.kind === 'busy') return this.write(serializeCallError(uniqueId, 'ProtocolError', `a CALL with id ${uniqueId} was already received`));
    const reply = await this.dispatch(uniqueId, action, payload);
    this.inboundIds.answered(uniqueId, reply.frame);
    this.write(reply.frame);
    if (!reply.ok) return;
    for (const fn of this.after_.get(action) ?? []) {
      try {
        await fn(payload as never, { action: action as CsAction16, uniqueId });
      } catch (err) {
        this.report(err);
      }
    }
  }

  private async dispatch(uniqueId: string, action: string, payload: unknown): Promise<{ ok: boolean; frame: string }> {
    const fail = (code: string, description: string, details?: Record<string, unknown>) => ({ ok: false, frame: serializeCallError(uniqueId, code, description, details) });
    if (!isAction16(action)) return fail('NotImplemented', `unknown action ${action}`);
    const handler = this.on_.get(action);
    if (!handler || !(CS_ACTIONS_16 as readonly string[]).includes(action)) return fail('NotSupported', `${action} is not supported by this charge point`);
    if (!handler.options.skipSchemaValidation) {
      const checked = validateRequest16(action, payload);
      if (!checked.ok) return fail(checked.code, checked.description, checked.details);
    }
    let conf: unknown;
    try {
      conf = await handler.fn(payload as never, { action: action as CsAction16, uniqueId });
    } catch (err) {
      if (err instanceof OcppCallError) return fail(err.code, err.description, err.details as Record<string, unknown>);
      this.report(err);
      return fail('InternalError', err instanceof Error ? err.message : String(err));
    }
    const checked = validateResponse16(action, conf);
    if (!checked.ok) {
      // Our own handler answered outside the schema: a bug here, not the CSMS's problem to parse.
      this.report(new Error(`handler for ${action} returned an invalid response: ${checked.description}`));
      return fail('InternalError', `invalid ${action} response produced`);
    }
    return { ok: true, frame: serializeCallResult(uniqueId, conf as Record<string, unknown>) };
  }
}
