import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@cpo/ocpp-protocol';

/**
 * The explicit outcome of every CSMS → charger CALL (guide §1.7): the charger's CallResult, its
 * CallError, or why there was no answer. Nothing is silently queued for an offline station.
 */
export type CallOutcome =
  | { kind: 'result'; payload: JsonObject }
  /**
   * A CallError, or an answer we could not accept. `mayHaveActed`: the charger answered with a
   * CALLRESULT that is malformed or breaks its schema; unlike a CallError, it may have carried the
   * call out, so what the call would have changed is treated as unknown, not refused.
   */
  | { kind: 'error'; code: string; description: string; details: JsonObject; mayHaveActed?: true }
  /**
   * No answer by the deadline. `unsent`: the call was still queued behind earlier ones then, so it
   * was dropped without being written and the charger cannot have acted (as `disconnected`'s);
   * without it, it was in flight and the charger may have got it. `behind`: the call in flight then,
   * which held the station up (for the operator's error message).
   */
  | { kind: 'timeout'; unsent?: true; behind?: string }
  /**
   * The socket closed (or was closing) before an answer. `unsent`: the CALL was never written to it
   * (queued behind another, asked once closing, its write failed), so the charger cannot have acted;
   * without it, it was written and the charger may have got it.
   */
  | { kind: 'disconnected'; unsent?: true }
  | { kind: 'queue-full' }
  /** A newer call with the same coalescing key replaced this one before it was sent. */
  | { kind: 'superseded' };

const UNSENT: CallOutcome = { kind: 'disconnected', unsent: true };
/** The deadline passed while the call was queued: it never left us. */
const EXPIRED_UNSENT: CallOutcome = { kind: 'timeout', unsent: true };

export interface OutboundCallOptions {
  timeoutMs: number;
  /**
   * `Date.now()` from which the timeout counts (default: when queued): when the caller's wait began,
   * e.g. a command's arrival, so time spent on it before the call counts too.
   */
  since?: number;
  /** Latest wins: a queued (not yet sent) call with the same key is answered `superseded`. */
  coalesceKey?: string;
  /**
   * The charger's answer to this call arriving after it timed out in flight (see LateCalls), its
   * caller already told `timeout`; returns whether the answer's effects are applied.
   */
  onLateAnswer?: (outcome: CallOutcome) => boolean;
}

/** A late answer matched to the call it answers (for the log and the metric). */
export interface LateAnswer {
  uniqueId: string;
  action: string;
  /** Since the call timed out. */
  lateByMs: number;
  outcome: CallOutcome;
  /** Whether its effects were handed on (onLateAnswer said so). */
  applied: boolean;
}

/**
 * How many timed-out calls a station keeps for their late answers. One call is in flight at a time
 * and each keeps its slot for one timeout: more than a couple only with calls of short timeouts in
 * a row; the cap bounds the payloads held per station whatever the timeouts.
 */
export const LATE_CALLS_KEPT = 4;

interface Pending {
  uniqueId: string;
  action: string;
  payload: JsonObject;
  options: OutboundCallOptions;
  resolve: (outcome: CallOutcome) => void;
  /** `Date.now()` by which the caller wants an outcome: counted from when the call was queued. */
  deadline: number;
  timer?: NodeJS.Timeout;
  /** Handed to the socket (see `unsent`). */
  written?: boolean;
  /** When it timed out in flight (its late answer is taken until `lateUntil`). */
  timedOutAt?: number;
  /**
   * When the charger could begin it, if later than its sending: an earlier call it was waiting
   * behind on the charger (chargers answer one at a time, in order) was answered late only then.
   */
  begunAt?: number;
}

/**
 * Until when a timed-out call takes its late answer: one more timeout after it timed out, or, when
 * it waited on the charger behind a call answered late, one timeout after it would have timed out
 * had it been sent when that answer came (a charger slower than our timeout answers every call of a
 * queue late, each later than the one before: the plan's second profile was otherwise dropped).
 */
function lateUntil(p: Pending): number {
  const timedOut = Math.max(p.timedOutAt!, (p.begunAt ?? Number.NEGATIVE_INFINITY) + p.options.timeoutMs);
  return timedOut + p.options.timeoutMs;
}

/**
 * One CALL in flight per station, a bounded FIFO behind it, a timeout per call (OCPP-J §4.1.1: the
 * rule is per connection, so other stations never wait). Inbound CALLs are handled elsewhere and
 * never wait for this queue, so calls from both sides may cross.
 *
 * A call's timeout runs from when it is queued, not from when it is sent: its caller (an HTTP
 * request, another replica forwarding a command) stops waiting after that time, so a call still
 * queued at its deadline is answered `timeout` (`unsent`) and never sent; a charger must not act
 * on a command whose caller was already told it timed out.
 */
export class OutboundCalls {
  private readonly queue: Pending[] = [];
  private inFlight?: Pending;
  private closed = false;
  /** Waiting for the queue to empty (a stopping replica, before it closes the socket). */
  private idleWaiters: (() => void)[] = [];

  /**
   * Calls that timed out in flight, oldest first: the charger may still answer, and what it did
   * must still reach our records (a profile accepted late is installed). Kept for the call's own
   * timeout again; only on this connection (a new one gets no answers to the old one's calls).
   */
  private late: Pending[] = [];

  constructor(
    private readonly send: (uniqueId: string, action: string, payload: JsonObject) => void,
    private readonly limit: number,
    /** Every late answer matched to its call (the session logs and counts it). */
    private readonly onLate: (late: LateAnswer) => void = () => undefined,
  ) {}

  get depth(): number {
    return this.queue.length + (this.inFlight ? 1 : 0);
  }

  call(action: string, payload: JsonObject, options: OutboundCallOptions): Promise<CallOutcome> {
    if (this.closed) return Promise.resolve(UNSENT);
    return new Promise((resolve) => {
      const entry: Pending = { uniqueId: randomUUID(), action, payload, options, resolve, deadline: (options.since ?? Date.now()) + options.timeoutMs };
      if (options.coalesceKey !== undefined) {
        const index = this.queue.findIndex((p) => p.options.coalesceKey === options.coalesceKey);
        if (index >= 0) {
          const replaced = this.queue[index]!;
          clearTimeout(replaced.timer);
          replaced.resolve({ kind: 'superseded' });
          this.queue[index] = entry;
          this.startTimer(entry);
          return;
        }
      }
      if (this.queue.length >= this.limit) return resolve({ kind: 'queue-full' });
      this.queue.push(entry);
      this.startTimer(entry);
      this.next();
    });
  }

  /** Resolves when no call is in flight or queued (at once if none is). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A CALLRESULT/CALLERROR arrived; returns the action it answers, or undefined if nothing waits for it. */
  settle(uniqueId: string, outcome: CallOutcome): string | undefined {
    const current = this.inFlight;
    if (!current || current.uniqueId !== uniqueId) return this.settleLate(uniqueId, outcome);
    clearTimeout(current.timer);
    this.inFlight = undefined;
    // A charger answers in the order it got the calls: an answer to an earlier one arriving after
    // this one is out of order, and its effects could undo this one's (an older profile's acceptance).
    this.late = [];
    current.resolve(outcome);
    this.next();
    return current.action;
  }

  /** The action of the call in flight, or timed out and still taking its late answer, with this id (to validate its answer before settling). */
  actionOf(uniqueId: string): string | undefined {
    if (this.inFlight?.uniqueId === uniqueId) return this.inFlight.action;
    return this.lateCall(uniqueId)?.action;
  }

  /** The socket started closing (either side) or closed: every pending call fails with `disconnected`. */
  close(): void {
    this.closed = true;
    this.late = [];
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const p of pending) {
      clearTimeout(p.timer);
      p.resolve(p.written ? { kind: 'disconnected' } : UNSENT);
    }
    this.notifyIdle();
  }

  private startTimer(entry: Pending): void {
    entry.timer = setTimeout(() => this.expire(entry), Math.max(0, entry.deadline - Date.now()));
  }

  /** The deadline passed: in flight, the charger did not answer in time; queued, the call is dropped unsent. */
  private expire(entry: Pending): void {
    if (this.inFlight === entry) {
      this.inFlight = undefined;
      entry.timedOutAt = Date.now();
      this.late.push(entry);
      if (this.late.length > LATE_CALLS_KEPT) this.late.shift();
      entry.resolve({ kind: 'timeout' });
      this.next();
      return;
    }
    const index = this.queue.indexOf(entry);
    if (index < 0) return;
    this.queue.splice(index, 1);
    entry.resolve(this.inFlight ? { kind: 'timeout', unsent: true, behind: this.inFlight.action } : EXPIRED_UNSENT);
    this.notifyIdle();
  }

  /** Its caller had its timeout: the answer goes to the call's late hook only, never resolves it again. */
  private settleLate(uniqueId: string, outcome: CallOutcome): string | undefined {
    const entry = this.lateCall(uniqueId);
    if (!entry) return undefined;
    // It and the calls before it (out of order from now on, as in settle) are done; the calls sent
    // after it, still unanswered or in flight, waited behind it on the charger until now.
    this.late.splice(0, this.late.indexOf(entry) + 1);
    const now = Date.now();
    for (const p of this.late) p.begunAt = now;
    if (this.inFlight?.written) this.inFlight.begunAt = now;
    let applied = false;
    try {
      applied = entry.options.onLateAnswer?.(outcome) ?? false;
    } finally {
      this.onLate({ uniqueId, action: entry.action, lateByMs: Date.now() - entry.timedOutAt!, outcome, applied });
    }
    return entry.action;
  }

  private lateCall(uniqueId: string): Pending | undefined {
    const now = Date.now();
    // Past its window the answer is dropped like any unknown one: nothing holds it (bounded time, not just count).
    this.late = this.late.filter((p) => now <= lateUntil(p));
    return this.late.find((p) => p.uniqueId === uniqueId);
  }

  private next(): void {
    while (!this.inFlight && !this.closed) {
      const entry = this.queue.shift();
      if (!entry) break;
      // Its timer may not have run yet (a busy event loop): past the deadline it is never sent.
      if (entry.deadline <= Date.now()) {
        clearTimeout(entry.timer);
        entry.resolve(EXPIRED_UNSENT);
        continue;
      }
      this.inFlight = entry;
      try {
        this.send(entry.uniqueId, entry.action, entry.payload);
        entry.written = true;
      } catch {
        // The socket went away between the check and the write.
        this.close();
      }
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.depth > 0 || this.idleWaiters.length === 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
