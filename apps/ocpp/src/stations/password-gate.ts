import { UnavailableError } from '@cpo/platform';

/** scrypt runs at once: each holds a libuv thread (the pool has 4, shared with DNS and file I/O) and 16 MiB for tens of ms. */
export const MAX_RUNNING = 2;
/** Checks waiting for a run; beyond, a check is refused at once (UnavailableError) instead of piling up sockets and memory. */
export const MAX_WAITING = 256;
/**
 * Checks for identities that failed recently ("suspect": someone guessing, or a charger with a
 * wrong key) may hold at most this share of the waiting places, and of the runs started while
 * others wait: guesses spread over many identities cannot starve the honest first checks.
 */
export const SUSPECT_SHARE = 4;
const MAX_SUSPECT_WAITING = MAX_WAITING / SUSPECT_SHARE;
const MAX_SUSPECT_RUNNING = 1;

const BUSY = 'too many password checks in progress; try again shortly';

/**
 * The scrypt slots, FIFO per class. A finishing run hands its slot to a waiter, so no newcomer
 * slips in between; when both classes wait, a suspect gets every SUSPECT_SHARE-th slot, and never
 * more than one run at once.
 */
export class CheckSlots {
  private running = 0;
  private suspectRunning = 0;
  private contested = 0;
  private readonly honest: (() => void)[] = [];
  private readonly suspects: (() => void)[] = [];

  /** Checks waiting or running (the backlog a refused charger is told to wait out). */
  get backlog(): number {
    return this.running + this.honest.length + this.suspects.length;
  }

  /** Whether a check of this class would be taken now (run or queued) rather than refused. */
  hasRoom(suspect: boolean): boolean {
    if (this.canStart(suspect)) return true;
    const waiting = this.honest.length + this.suspects.length;
    return waiting < MAX_WAITING && (!suspect || this.suspects.length < MAX_SUSPECT_WAITING);
  }

  async run<T>(suspect: boolean, work: () => Promise<T>): Promise<T> {
    if (this.canStart(suspect)) this.start(suspect);
    else if (!this.hasRoom(suspect)) throw new UnavailableError(BUSY);
    // The slot is taken for us by `dispatch` before we are woken.
    else await new Promise<void>((resolve) => (suspect ? this.suspects : this.honest).push(resolve));
    try {
      return await work();
    } finally {
      this.running -= 1;
      if (suspect) this.suspectRunning -= 1;
      this.dispatch();
    }
  }

  private canStart(suspect: boolean): boolean {
    if (this.running >= MAX_RUNNING) return false;
    // A free slot with waiters of the class means one is being woken: no overtaking.
    if (suspect) return this.suspectRunning < MAX_SUSPECT_RUNNING && this.suspects.length === 0;
    return this.honest.length === 0;
  }

  private start(suspect: boolean): void {
    this.running += 1;
    if (suspect) this.suspectRunning += 1;
  }

  private dispatch(): void {
    while (this.running < MAX_RUNNING) {
      const suspectMay = this.suspects.length > 0 && this.suspectRunning < MAX_SUSPECT_RUNNING;
      let suspect: boolean;
      if (suspectMay && this.honest.length > 0) suspect = (this.contested = (this.contested + 1) % SUSPECT_SHARE) === 0;
      else if (suspectMay) suspect = true;
      else if (this.honest.length > 0) suspect = false;
      else return;
      this.start(suspect);
      (suspect ? this.suspects : this.honest).shift()!();
    }
  }
}

/** A failure older than this is forgotten (the suspect class): a charger fixed long ago starts afresh. */
export const FAILURE_MEMORY_MS = 15 * 60_000;
/** Identities remembered; beyond, the oldest failure is forgotten first. */
export const MAX_SUSPECT_IDENTITIES = 100_000;

/**
 * Identities with a recent failed check: their checks are suspect (CheckSlots). Nothing more: a
 * password is never refused unhashed for an identity's failures (a penalty per identity once did,
 * doubling to 5 min, and anyone who knew a charger's identity kept its right key out with a guess
 * per window). Guessing is bounded by the suspect share of the runs and the checks per key at once
 * (one per address, a few in all: password-sources.ts).
 * Only failures that cost a scrypt run count (a charger retrying its wrong key is answered from
 * memory). A success clears it.
 */
export class RecentFailures {
  /** Last failure by identity, in that order (the oldest goes first). */
  private readonly byIdentity = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  suspect(identity: string): boolean {
    const last = this.byIdentity.get(identity);
    if (last === undefined) return false;
    if (this.now() - last <= FAILURE_MEMORY_MS) return true;
    this.byIdentity.delete(identity);
    return false;
  }

  failed(identity: string): void {
    this.byIdentity.delete(identity);
    if (this.byIdentity.size >= MAX_SUSPECT_IDENTITIES) this.byIdentity.delete(this.byIdentity.keys().next().value!);
    this.byIdentity.set(identity, this.now());
  }

  succeeded(identity: string): void {
    this.byIdentity.delete(identity);
  }
}

/** Checks finished per second over the last THROUGHPUT_WINDOW_MS. */
const THROUGHPUT_WINDOW_MS = 10_000;
/** Assumed before anything finished (a fresh replica): two runs of ~50 ms at once, one check each. */
const ASSUMED_PER_SECOND = 20;

export class Throughput {
  private readonly finished: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  add(): void {
    this.finished.push(this.now());
    this.trim();
  }

  perSecond(): number {
    this.trim();
    return this.finished.length === 0 ? ASSUMED_PER_SECOND : this.finished.length / (THROUGHPUT_WINDOW_MS / 1000);
  }

  private trim(): void {
    const from = this.now() - THROUGHPUT_WINDOW_MS;
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop]! < from) drop += 1;
    if (drop > 0) this.finished.splice(0, drop);
  }
}

export const MIN_RETRY_AFTER_S = 5;
export const MAX_RETRY_AFTER_S = 120;
const JITTER = 0.2;

/**
 * `Retry-After` for a refused upgrade: the time the backlog takes at the recent rate, clamped, ±20 %
 * at random, so the chargers refused together come back spread over the time the replica needs
 * (a fixed value brought them all back at once). `random` is in [0, 1).
 */
export function retryAfterSeconds(backlog: number, perSecond: number, random: number = Math.random()): number {
  const base = Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, backlog / Math.max(perSecond, 0.1)));
  return Math.max(1, Math.round(base * (1 - JITTER + 2 * JITTER * random)));
}
