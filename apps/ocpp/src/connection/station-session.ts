import { hash, randomUUID } from 'node:crypto';
import {
  inboundIdRule,
  InboundIds,
  MessageType,
  parseBinaryMessage,
  parseFrame,
  serializeCall,
  serializeCallError,
  serializeCallResult,
  wireId,
  type CallFrame,
  type JsonObject,
} from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import WebSocket, { type RawData } from 'ws';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { withoutNul } from './core-fields.js';
import { settleAnswer, settleMalformedAnswer } from './inbound-answers.js';
import { KeepAlive } from './keep-alive.js';
import { recordLateAnswer } from './late-answers.js';
import { OutboundCalls, type CallOutcome } from './outbound-calls.js';
import { MAX_PAYLOAD_DEPTH, nestedDeeperThan } from './payload-depth.js';
import type { ProtocolBundle, Subprotocol } from './protocol-bundle.js';
import { CLOSE_HANDSHAKE_MS, sessionClosing } from './socket-closing.js';
import type { CallOptions, RegistrationState, StationContext, ValidationPolicy } from './station-context.js';
import { BadFrameWindow, badFrameLabel, MAX_RAW_FRAME_KEPT } from './bad-frames.js';
import { ClockOffset, clockStampMs } from './clock-offset.js';
import { TriggeredActions } from './triggered-actions.js';

export interface SessionSettings {
  callTimeoutMs: number;
  queueLimit: number;
  pingIntervalMs: number;
  maxBadFramesPerMinute: number;
}

export interface SessionHooks {
  /** Keeps the raw text of a frame that could not be processed, with the reason. */
  rejectedFrame(stationId: string, raw: string, reason: string): void;
  /** Any inbound frame, a WebSocket ping or pong included: the station is alive (OCPP-J §4.6, guide §1.8). */
  activity(session: StationSession): void;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** The id of a CALL, read from the frame text when the frame itself could not be processed. */
const CALL_ID = /^\s*\[\s*2\s*,\s*"([^"\\]{1,128})"/;

/**
 * One charger's WebSocket: ordered inbound handling (StartTransaction before its MeterValues),
 * duplicate-id rules, one outbound CALL in flight, keep-alive, malformed-frame accounting. The
 * socket never reaches feature code; handlers see the {@link StationContext}.
 */
export class StationSession implements StationContext {
  readonly connectionId = randomUUID();
  readonly connectedAt = new Date();
  private readonly calls: OutboundCalls;
  private inbound: Promise<void> = Promise.resolve();
  private readonly triggered = new TriggeredActions();
  private readonly badFrames: BadFrameWindow;
  private readonly keepAlive: KeepAlive;
  private readonly clock = new ClockOffset();
  private closeReason?: string;
  /** Resolves when the socket stops being open (either side's close frame, a terminate), before `closed`; pending calls have failed then. */
  readonly closing: Promise<void>;
  readonly closed: Promise<string>;
  /** The credentials it was admitted under (credentialsFingerprint), for SessionRecheck; undefined while its own key change is recorded. */
  credentials?: string;

  constructor(
    private readonly socket: WebSocket,
    readonly stationId: string,
    public known: boolean,
    public registration: RegistrationState,
    public validationPolicy: ValidationPolicy,
    private readonly inboundIds: InboundIds,
    private readonly settings: SessionSettings,
    private readonly bundle: ProtocolBundle,
    private readonly metrics: OcppMetrics,
    private readonly hooks: SessionHooks,
    private readonly logger: Logger,
  ) {
    this.badFrames = new BadFrameWindow(settings.maxBadFramesPerMinute);
    // A CALL the socket no longer takes was never sent (OutboundCalls: `unsent`), not one the charger may have got.
    this.calls = new OutboundCalls((id, action, payload) => {
      if (!this.write(serializeCall(id, action, payload))) throw new Error('the socket is not open');
    }, settings.queueLimit, (late) => recordLateAnswer(metrics, logger, stationId, late));
    this.closing = sessionClosing(socket, () => this.calls.close());
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.keepAlive.stop();
        this.calls.close();
        resolve(this.closeReason ?? `closed by charger (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
      });
    });
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => this.alive());
    // ws answers the charger's own pings itself; they still show the station is there.
    socket.on('ping', () => this.alive());
    socket.on('error', (err) => this.logger.warn({ err, stationId }, 'charger socket error'));
    this.keepAlive = new KeepAlive(socket, settings.pingIntervalMs, () => {
      this.closeReason ??= 'no pong (dead peer)';
      socket.terminate();
    });
  }

  get protocol(): Subprotocol {
    return this.bundle.subprotocol;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Resolves when every inbound CALL received so far has been handled. */
  drained(): Promise<void> {
    return this.inbound;
  }

  get queueDepth(): number {
    return this.calls.depth;
  }

  /** Resolves when no CSMS → charger call is in flight or queued. */
  idle(): Promise<void> {
    return this.calls.idle();
  }

  async call(action: string, payload: JsonObject, options: CallOptions = {}): Promise<CallOutcome> {
    // Never sent when it breaks its schema (guide §1.10: outbound messages are always strict).
    const refused = this.bundle.checkCall(action, payload);
    if (refused) {
      this.metrics.outboundCalls.inc({ action, outcome: 'invalid' });
      return refused;
    }
    const started = process.hrtime.bigint();
    const outcome = await this.calls.call(action, payload, { ...options, timeoutMs: options.timeoutMs ?? this.settings.callTimeoutMs });
    // A call that expired in the queue never reached the charger: not the charger's timeout.
    this.metrics.outboundCalls.inc({ action, outcome: outcome.kind === 'timeout' && outcome.unsent ? 'queue_timeout' : outcome.kind });
    if (outcome.kind === 'result' || outcome.kind === 'error') {
      this.metrics.outboundDuration.observe({ action }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    return outcome;
  }

  expectTriggered(action: string, expected = true, by?: object): void {
    this.triggered.expect(action, expected, by);
  }

  /**
   * Closes the socket; pending calls fail with `disconnected` at once. Not at the socket's `close`
   * event: that waits for the charger's half of the close handshake, which a busy or half-open
   * charger never sends (then the terminate below, 5 s on), and operator commands queued behind
   * the call in flight would wait that long for an answer that cannot come.
   * `terminateAfterMs` bounds the handshake: ws's own close timer (30 s) would keep a socket whose
   * charger never completes it (half-open TCP, or its close frame answered without closing TCP) for
   * that long; a stopping replica passes what is left of its shutdown budget.
   */
  close(reason: string, code = 1000, terminateAfterMs = CLOSE_HANDSHAKE_MS): void {
    this.closeReason ??= reason;
    this.calls.close();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason.slice(0, 120));
    // A half-open TCP connection never completes the close handshake.
    setTimeout(() => this.socket.terminate(), terminateAfterMs).unref();
  }

  /**
   * ws calls this synchronously from its 'message' listener, where an exception is uncaught: it
   * would end the process and drop every charger of the replica. Whatever a frame does, a failure
   * stays with this frame: logged, counted as a bad frame, and a CALL answered with a CallError.
   */
  private onMessage(data: RawData, isBinary: boolean): void {
    let text: string | undefined;
    try {
      text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      this.receive(text, isBinary);
    } catch (err) {
      try {
        this.logger.error({ err, stationId: this.stationId }, 'inbound frame could not be processed');
        const callId = text === undefined ? undefined : CALL_ID.exec(text)?.[1];
        if (callId !== undefined) this.answerInternalError(callId);
        this.badFrame(isBinary ? '<binary frame>' : (text ?? '<unreadable frame>'), 'internal error: the frame could not be processed');
      } catch (again) {
        this.logger.error({ err: again, stationId: this.stationId }, 'could not account for a failed frame');
      }
    }
  }

  /** Any inbound frame, a ping or pong included, shows the peer is there (see KeepAlive). */
  private alive(): void {
    this.keepAlive.alive();
    this.hooks.activity(this);
  }

  /** `binary`: a binary message, its bytes read as UTF-8 (`text`), never processed (see parseBinaryMessage). */
  private receive(text: string, binary: boolean): void {
    this.alive();
    const parsed = binary ? parseBinaryMessage(text) : parseFrame(text);
    if (parsed.kind === 'ignore') {
      // OCPP-J: never answered; still a malformed frame, kept (and counted) like every other one.
      this.badFrame(text, parsed.reason);
      return;
    }
    if (parsed.kind === 'invalid') {
      this.badFrame(binary ? '<binary frame>' : text, parsed.description);
      const answerable = parsed.messageType === undefined || parsed.messageType === MessageType.Call;
      if (answerable && parsed.uniqueId !== undefined) this.write(serializeCallError(wireId(parsed.uniqueId, parsed.numericId), parsed.code, parsed.description, {}));
      else if (parsed.uniqueId !== undefined) settleMalformedAnswer(this.calls, parsed.uniqueId, parsed.messageType, `the charger's answer is malformed: ${parsed.description}`);
      return;
    }
    const frame = parsed.frame;
    if (nestedDeeperThan(frame.type === MessageType.CallError ? frame.details : frame.payload, MAX_PAYLOAD_DEPTH)) {
      const reason = `payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
      this.badFrame(text, reason);
      if (frame.type === MessageType.Call) this.write(serializeCallError(wireId(frame.uniqueId, frame.numericId), 'FormationViolation', reason, {}));
      else settleMalformedAnswer(this.calls, frame.uniqueId, frame.type, `the charger's answer ${reason}`);
      return;
    }
    if (frame.type === MessageType.Call) {
      // NUL can only be there as a raw character or the JSON escape, a lone surrogate only as an escape
      // (the frame was valid UTF-8): skip the deep copy otherwise.
      const suspect = text.includes('\u0000') || text.includes('\\u0000') || SURROGATE_ESCAPE.test(text);
      return this.onCall(suspect ? { ...frame, payload: withoutNul(frame.payload) } : frame, text);
    }
    settleAnswer(this.calls, this.bundle, this, frame, this.logger);
  }

  private onCall(frame: CallFrame, text: string): void {
    // A digest, not the payload: a station's recent ids must cost bytes, not the MeterValues they carried.
    // A retransmission mostly repeats the frame byte for byte, so the digest of its text identifies it
    // without re-serialising; the text itself is kept for the latest few ids only, for a charger that
    // re-serialises its retransmission (compared only when the id comes back).
    // One-shot `hash` (no Hash object): a third of createHash's cost, on every CALL.
    const fingerprint = hash('sha1', text, 'base64');
    const seen = this.inboundIds.begin(frame.uniqueId, fingerprint, text, inboundIdRule(frame.action));
    if (seen.kind === 'answered') {
      this.write(seen.frame);
      return;
    }
    if (seen.kind === 'busy') {
      this.write(serializeCallError(wireId(frame.uniqueId, frame.numericId), 'ProtocolError', 'a CALL with this id is being handled already or was used for another message', {}));
      return;
    }
    const receivedAt = new Date();
    this.inbound = this.inbound
      .then(() => this.handleCall(frame, receivedAt, text))
      .catch((err: unknown) => {
        // handleCall answers dispatch failures itself; this is the rest (e.g. an answer that cannot be
        // serialised). A rejected chain would skip every later CALL and end the process as an unhandled rejection.
        this.logger.error({ err, stationId: this.stationId, action: frame.action }, 'inbound CALL could not be answered');
        this.answerInternalError(frame.uniqueId, frame.numericId);
      });
  }

  private answerInternalError(uniqueId: string, numericId?: boolean): void {
    const answer = serializeCallError(wireId(uniqueId, numericId), this.bundle.internalErrorCode, 'internal error', {});
    this.inboundIds.answered(uniqueId, answer);
    this.write(answer);
  }

  private async handleCall(frame: CallFrame, receivedAt: Date, text: string): Promise<void> {
    const started = process.hrtime.bigint();
    const triggered = this.triggered.admits(frame.action);
    // In arrival order, before the message's own handling: a stamp showing a corrected clock counts already.
    if (frame.action === 'BootNotification') this.clock.reset();
    const stampMs = clockStampMs(frame.action, frame.payload);
    if (stampMs !== undefined) this.clock.observe(stampMs, receivedAt.getTime());
    const result = await this.bundle
      .dispatch(this, { uniqueId: frame.uniqueId, action: frame.action, receivedAt, clockOffsetMs: this.clock.offsetMs }, frame.payload, triggered)
      .catch((err: unknown) => {
        this.logger.error({ err, stationId: this.stationId, action: frame.action }, 'dispatch failed');
        return { ok: false as const, code: this.bundle.internalErrorCode, description: 'internal error', details: {} };
      });
    const id = wireId(frame.uniqueId, frame.numericId);
    const answer = result.ok ? serializeCallResult(id, result.payload) : serializeCallError(id, result.code, result.description, result.details);
    if (!result.ok && result.code !== 'NotImplemented' && result.code !== 'NotSupported' && result.code !== 'SecurityError') {
      this.hooks.rejectedFrame(this.stationId, text.slice(0, MAX_RAW_FRAME_KEPT), `${result.code}: ${result.description}`);
    }
    this.inboundIds.answered(frame.uniqueId, answer);
    this.write(answer);
    const label = this.metricAction(frame.action);
    this.metrics.inboundCalls.inc({ action: label, outcome: result.ok ? 'ok' : result.code });
    this.metrics.inboundDuration.observe({ action: label }, Number(process.hrtime.bigint() - started) / 1e9);
    if (result.ok && result.after) {
      // Not awaited: the next inbound CALL must not wait for onboarding calls to the charger.
      void result.after().catch((err: unknown) => this.logger.error({ err, stationId: this.stationId, action: frame.action }, 'after-answer hook failed'));
    }
  }

  /**
   * Metric labels come from the version's action set only: any other name a charger sends (each
   * would be a new series of the counter and the histogram's buckets) counts as `unknown`.
   */
  private metricAction(action: string): string {
    return this.bundle.knowsAction(action) ? action : 'unknown';
  }

  private badFrame(raw: string, reason: string): void {
    this.metrics.badFrames.inc({ reason: badFrameLabel(reason) });
    this.hooks.rejectedFrame(this.stationId, raw.slice(0, MAX_RAW_FRAME_KEPT), reason);
    if (this.badFrames.add()) {
      this.logger.warn({ stationId: this.stationId }, 'too many malformed frames; closing the socket');
      this.close('too many malformed frames', 1008);
    }
  }

  /** Whether the socket took the text (it is open). */
  private write(text: string): boolean {
    const open = this.socket.readyState === WebSocket.OPEN;
    if (open) this.socket.send(text);
    return open;
  }
}
