import type { Logger } from 'pino';
import type { Refreshable } from './presence-refresh.js';
import type { PresenceStore } from './presence-store.js';
import { isNewerClaim, type SessionClaim } from './session-claims.js';

/** A held socket as its registration sees it (SessionRegistry's entry). */
export interface Registrable extends Refreshable {
  /** The newest claim of another replica that came before ours was known: compared with it then. */
  rival?: SessionClaim;
  /** Registration failed (Redis unavailable): the next attempt, and how many failed so far. */
  retry?: { timer?: NodeJS.Timeout; failures: number };
}

export interface RegistrationHooks<T extends Registrable> {
  /** Whether the entry still holds its station here (not replaced or closed meanwhile). */
  current(held: T): boolean;
  /** Another connection of the station is newer: this one is closed, with no `disconnected`. */
  replaced(held: T, by: string): void;
  /** Our claim, for the other replicas (see OCPP_SESSION_CLAIMED_SUBJECT). */
  announce(claim: SessionClaim): void;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/**
 * A connection's presence record and claim. Redis being unavailable does not cost the charger its
 * socket: it talks to us, so this replica keeps serving it (its commands through this replica, its
 * own CALLs); only a command through another replica cannot find it meanwhile. Its registration is
 * retried with backoff, and at once when the Redis client is ready again.
 *
 * While Redis is down claims cannot be ordered: two replicas may each serve a connection of the
 * same station (normally a half-open old socket and the charger's new one). Both keep serving;
 * when Redis answers again, each registers through CLAIM_PRESENCE as usual, the later to register
 * gets the greater claim, and the other closes its socket on that claim (or on its refresh finding
 * the record names another connection), without a `disconnected`. The live charger, if it was the
 * one closed, reconnects and is then the newest. Order of registration, not of connection, decides:
 * safe (one holder once Redis is back), at the cost of at most one reconnect.
 */
export class PresenceRegistration<T extends Registrable> {
  private readonly waiting = new Set<T>();
  /** An attempt under way: a timer and Redis's return must not register one connection twice. */
  private readonly attempting = new Set<T>();
  private stopped = false;

  constructor(
    private readonly presences: PresenceStore,
    private readonly replicaId: string,
    private readonly logger: Logger,
    private readonly hooks: RegistrationHooks<T>,
  ) {}

  /** Registers the connection; false when Redis failed (retried later). Never rejects. */
  async register(held: T): Promise<boolean> {
    const { session } = held;
    try {
      held.claim = await this.presences.write(session, held.lastSeen);
    } catch (err) {
      if (this.hooks.current(held)) this.later(held, err);
      return false;
    }
    this.cancel(held);
    held.lastPresenceWrite = Date.now();
    const { rival } = held;
    if (rival && this.hooks.current(held) && isNewerClaim(rival, { claim: held.claim, connectionId: session.connectionId })) this.hooks.replaced(held, rival.replicaId);
    // Replaced while registering (here or elsewhere): never announced.
    if (this.hooks.current(held)) this.hooks.announce({ stationId: session.stationId, connectionId: session.connectionId, replicaId: this.replicaId, claim: held.claim });
    return true;
  }

  /**
   * Another replica's claim for a station we hold with another connection. One still registering
   * (or waiting for Redis) keeps the newest such claim to compare with its own once it has one.
   */
  rivalClaimed(mine: T, claim: SessionClaim): void {
    if (mine.claim === undefined) {
      if (!mine.rival || isNewerClaim(claim, mine.rival)) mine.rival = claim;
    } else if (isNewerClaim(claim, { claim: mine.claim, connectionId: mine.session.connectionId })) {
      this.hooks.replaced(mine, claim.replicaId);
    }
  }

  /** Redis is back: every waiting registration is tried now. */
  retryNow(): Promise<unknown> {
    const waiting = [...this.waiting];
    for (const held of waiting) clearTimeout(held.retry?.timer);
    return Promise.all(waiting.map((held) => this.attempt(held)));
  }

  /** The socket was released (closed or replaced): no more attempts. */
  cancel(held: T): void {
    if (!held.retry) return;
    clearTimeout(held.retry.timer);
    held.retry = undefined;
    this.waiting.delete(held);
  }

  stop(): void {
    this.stopped = true;
    for (const held of [...this.waiting]) this.cancel(held);
  }

  get pending(): number {
    return this.waiting.size;
  }

  private later(held: T, err: unknown): void {
    const failures = (held.retry?.failures ?? 0) + 1;
    if (failures === 1) this.logger.warn({ err, stationId: held.session.stationId }, 'presence unavailable: the connection is served by this replica only until Redis answers again');
    if (this.stopped) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS) * (0.8 + Math.random() * 0.4);
    const timer = setTimeout(() => void this.attempt(held), delay);
    timer.unref();
    held.retry = { timer, failures };
    this.waiting.add(held);
  }

  private async attempt(held: T): Promise<void> {
    if (!this.hooks.current(held) || !held.session.isOpen) return this.cancel(held);
    if (this.attempting.has(held)) return;
    this.attempting.add(held);
    const failures = held.retry?.failures;
    try {
      if (await this.register(held)) this.logger.info({ stationId: held.session.stationId, failures }, 'connection registered after the presence outage');
    } finally {
      this.attempting.delete(held);
    }
  }
}
