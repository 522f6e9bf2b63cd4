import type { Logger } from 'pino';
import type { PresenceStore } from './presence-store.js';
import type { StationSession } from './station-session.js';

/** A held socket as the refresh sees it (SessionRegistry's entry). */
export interface Refreshable {
  session: StationSession;
  lastPresenceWrite: number;
  /** The last inbound frame, ping or pong (`Date.now()`): the presence record's `lastSeenAt`. */
  lastSeen: number;
  /** Its order among the station's connections (see PresenceStore.write) once registered, kept in the rewritten record. */
  claim?: number;
}

/**
 * Presence lasts as long as the socket, not as long as its traffic: with the server's ping off and
 * a Heartbeat every 300 s, a charger can send nothing for longer than the record's TTL. Every
 * half of `refreshMs` the records of open sockets written longer than that ago are rewritten with
 * their last activity, in one pipeline (at 10,000 stations and the default TTL: ~170 writes/s).
 * A dead peer is found by the ping (or TCP), which closes the socket and removes its record.
 */
export class PresenceRefresh<T extends Refreshable> {
  private running = false;

  /**
   * `refreshMs`: a record older than this is rewritten (a third of the TTL: it then has two thirds
   * left). `elsewhere`: the record names a newer connection, written by another replica whose claim
   * never reached us.
   */
  constructor(
    private readonly presences: PresenceStore,
    private readonly logger: Logger,
    readonly refreshMs: number,
    private readonly elsewhere: (held: T) => void,
  ) {}

  async run(held: Iterable<T>): Promise<void> {
    if (this.running) return;
    const now = Date.now();
    // One not registered yet (its first write failed: Redis was down) has no record to keep up: its
    // registration writes it, with its claim (see PresenceRegistration).
    const due = [...held].filter((h) => h.session.isOpen && h.claim !== undefined && now - h.lastPresenceWrite >= this.refreshMs);
    if (due.length === 0) return;
    this.running = true;
    const previous = due.map((h) => h.lastPresenceWrite);
    for (const h of due) h.lastPresenceWrite = now;
    // A failed write is retried on the next tick: the record still has a third of its TTL left.
    const retry = (i: number) => (due[i]!.lastPresenceWrite = previous[i]!);
    try {
      const { outcomes, err } = await this.presences.refresh(due);
      const failed = outcomes.filter((o) => o === 'failed').length;
      if (failed > 0) this.logger.warn({ err, failed, stations: due.length }, 'presence refresh failed');
      outcomes.forEach((outcome, i) => {
        if (outcome === 'failed') retry(i);
        else if (outcome === 'elsewhere') this.elsewhere(due[i]!);
      });
    } finally {
      this.running = false;
    }
  }

  /** A refresh under way, waited for briefly (at most 2 s). */
  async settled(): Promise<void> {
    for (let i = 0; this.running && i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
