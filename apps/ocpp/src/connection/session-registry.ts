import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BusNames, NATS_CONNECTION } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { InboundIds } from '@cpo/ocpp-protocol';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { CommandDrain } from './command-drain.js';
import { ConnectionEvents } from './connection-events.js';
import { PresenceRegistration, type Registrable } from './presence-registration.js';
import { PRESENCE_OF_ANOTHER } from './presence-scripts.js';
import { PresenceRefresh } from './presence-refresh.js';
import { PresenceStore, type Presence } from './presence-store.js';
import { RecentInboundIds } from './recent-inbound-ids.js';
import { OCPP_SESSION_CLAIMED_SUBJECT, subscribeClaims, type SessionClaim } from './session-claims.js';
import { StationCommands } from './station-commands.js';
import type { StationSession } from './station-session.js';

export { OCPP_SESSION_CLAIMED_SUBJECT } from './session-claims.js';

interface Held extends Registrable {
  /** Stops serving the station's command subject (also stopped by itself once the session starts closing). */
  stopCommands: () => void;
}

/**
 * The sockets this replica holds, and what makes them reachable from everywhere: a presence record
 * in Redis (station → replica, last seen) and a subscription to the station's command subject, so
 * a command sent through any replica or any service reaches the socket.
 */
@Injectable()
export class SessionRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly held = new Map<string, Held>();
  private readonly inboundIds = new RecentInboundIds();
  private claims?: Subscription;
  private readonly detaching = new Set<Promise<void>>();
  /** Sockets released by `leave`, their disconnection already recorded. */
  private readonly left = new WeakSet<StationSession>();
  private presenceTimer?: NodeJS.Timeout;
  private readonly refresh: PresenceRefresh<Held>;
  private readonly registration: PresenceRegistration<Held>;
  private stopReadyListener?: () => void;

  constructor(
    private readonly commands: StationCommands,
    private readonly drain: CommandDrain,
    private readonly events: ConnectionEvents,
    private readonly metrics: OcppMetrics,
    private readonly presences: PresenceStore,
    private readonly names: BusNames,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.refresh = new PresenceRefresh(presences, logger, (config.OCPP_PRESENCE_TTL_S * 1000) / 3, (held) => this.replacedElsewhere(held));
    this.registration = new PresenceRegistration<Held>(presences, config.OCPP_REPLICA_ID, logger, {
      current: (held) => this.held.get(held.session.stationId) === held,
      replaced: (held, by) => this.replaced(held, by),
      announce: (claim) => this.nc.publish(this.names.subject(OCPP_SESSION_CLAIMED_SUBJECT), JSON.stringify(claim)),
    });
  }

  onModuleInit(): void {
    this.claims = subscribeClaims(this.nc, this.names.subject(OCPP_SESSION_CLAIMED_SUBJECT), this.logger, (claim) => this.claimed(claim));
    this.presenceTimer = setInterval(() => void this.refreshPresence(), this.refresh.refreshMs / 2);
    this.presenceTimer.unref();
    this.stopReadyListener = this.presences.onReady(() => void this.redisReady());
  }

  /**
   * The Redis client connected again, maybe to a Redis that restarted empty: connections waiting
   * for their registration are registered and every other record is rewritten now, not at the next
   * periodic refresh (a sixth of the TTL later), so the views show them within moments.
   */
  private async redisReady(): Promise<void> {
    this.logger.info({ waiting: this.registration.pending, held: this.held.size }, 'redis is back: registering and rewriting the presence of local connections');
    for (const h of this.held.values()) h.lastPresenceWrite = 0;
    await Promise.all([this.registration.retryNow(), this.refresh.settled().then(() => this.refreshPresence())]);
  }

  idsFor(stationId: string): InboundIds {
    return this.inboundIds.of(stationId);
  }

  /**
   * The open session new calls may go to: none once the replica stops (see CommandDrain), so a
   * command from this replica's own API or smart charging is routed like one for a station held
   * nowhere (the bus, answered `Offline`).
   */
  get(stationId: string): StationSession | undefined {
    return this.drain.stopping ? undefined : this.holding(stationId);
  }

  /** The open session this replica holds, also while it stops (to close it or change its settings). */
  holding(stationId: string): StationSession | undefined {
    const held = this.held.get(stationId);
    return held?.session.isOpen ? held.session : undefined;
  }

  /** Stations whose socket this replica holds (open). */
  localStationIds(): string[] {
    return [...this.held.entries()].filter(([, held]) => held.session.isOpen).map(([id]) => id);
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Another replica registered a connection of a station. Only an older socket here is closed: of
   * two connections opened at the same moment on two replicas, each replica receives the other's
   * claim, and both must keep the same one. One still registering waits for its own claim.
   */
  private claimed(claim: SessionClaim): void {
    // A replacement on this replica is handled in attach; our own claim may arrive after a newer local connection.
    if (claim.replicaId === this.config.OCPP_REPLICA_ID) return;
    const mine = this.held.get(claim.stationId);
    if (mine && mine.session.connectionId !== claim.connectionId) this.registration.rivalClaimed(mine, claim);
  }

  /** Released before it closes: commands go to the newer socket only, and its late close records no `disconnected`. */
  private replaced(held: Held, by: string, message = 'station reconnected on another replica; closing the old socket'): void {
    this.logger.warn({ stationId: held.session.stationId, connectionId: held.session.connectionId, newReplica: by }, message);
    this.metrics.connectionEvents.inc({ event: 'replaced' });
    this.release(held.session.stationId, held);
    held.session.close(`replaced by a connection on ${by}`, 4000);
  }

  async attach(session: StationSession, remoteAddress?: string): Promise<void> {
    const { stationId } = session;
    const previous = this.held.get(stationId);
    if (previous) {
      this.logger.warn({ stationId }, 'second connection for a station; closing the old socket');
      this.metrics.connectionEvents.inc({ event: 'replaced' });
      this.release(stationId, previous);
      previous.session.close('replaced by a new connection', 4000);
    }
    const now = Date.now();
    const held: Held = { session, stopCommands: this.commands.serve(session), lastPresenceWrite: now, lastSeen: now };
    this.held.set(stationId, held);
    this.metrics.connections.set(this.held.size);
    try {
      // Redis failing does not fail the connection: it is served from here and registered later
      // (see PresenceRegistration), and announced now, once, as every accepted connection is.
      await this.registration.register(held);
      // Replaced while registering (here or elsewhere): never announced, so nothing to pair either.
      if (this.held.get(stationId) === held) await this.events.connected(stationId, this.config.OCPP_REPLICA_ID, session.connectedAt, remoteAddress);
    } catch (err) {
      await this.undoAttach(held);
      throw err;
    }
    void session.closed.then((reason) => {
      const done = this.detach(session, reason).finally(() => this.detaching.delete(done));
      this.detaching.add(done);
    });
  }

  /**
   * Any inbound frame, ping or pong: noted for the presence record, which refreshPresence rewrites
   * (not every frame: at most every third of its TTL).
   */
  activity(session: StationSession): void {
    const held = this.held.get(session.stationId);
    if (held && held.session === session) held.lastSeen = Date.now();
  }

  /**
   * Peers declared this replica lost and published its stations' disconnection: each open
   * connection is announced again (`connected`, stamped now, after their disconnection's
   * last-seen stamp) and its presence rewritten.
   */
  async reannounce(): Promise<void> {
    const open = [...this.held.values()].filter((h) => h.session.isOpen);
    for (const h of open) h.lastPresenceWrite = 0;
    // Presence first: a station that reconnected to another replica meanwhile (its claim missed
    // us) has that replica's record, and its socket here is closed as a leftover, with no
    // `disconnected`. A `connected` from here, stamped now, after the other replica's, would be
    // the one consumers keep: only the connections still ours are announced. (A periodic refresh
    // under way would make ours return at once: waited for, briefly.)
    await this.refresh.settled();
    await this.refreshPresence();
    const now = new Date();
    const ours = open.filter((h) => this.held.get(h.session.stationId) === h && h.session.isOpen);
    await Promise.all(ours.map((h) => this.events.connected(h.session.stationId, this.config.OCPP_REPLICA_ID, now)));
  }

  presence(stationIds: string[]): Promise<(Presence | undefined)[]> {
    return this.presences.read(stationIds);
  }

  /**
   * Before the database and the bus close: the commands accepted before the shutdown get their
   * charger's answer and the CALLs chargers sent get theirs (bounded, see CommandDrain), then
   * chargers are told to reconnect elsewhere, their disconnections recorded.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain.settle(() => [...this.held.values()].map((h) => h.session));
    clearInterval(this.presenceTimer);
    this.stopReadyListener?.();
    this.registration.stop();
    await this.claims?.drain().catch(() => undefined);
    const sessions = [...this.held.values()].map((h) => h.session);
    // Answered while the sockets are open, and before the disconnections, so the events these
    // CALLs record come before them.
    await this.drain.answerReceived(sessions);
    // Disconnections are committed before the sockets close: a charger reconnects (to a live
    // replica) as soon as its socket closes, and consumers keep a station's newest event, so our
    // `disconnected` must be on the bus, and stamped, before the other replica's `connected`
    // (waited for within a bound: a hung Redis or database must not cost the chargers their close frame).
    await this.drain.leaveRecorded(sessions.length, Promise.all(sessions.map((s) => this.leave(s, 'replica shutting down'))));
    // Within the shutdown budget: ws's own close timer (30 s) outlasts the forced exit.
    for (const session of sessions) session.close('replica shutting down', 1001, this.drain.closeHandshakeMs);
    await Promise.all(sessions.map((s) => s.closed));
    // CALLs that came during the close handshake are still committed (unanswered) with the database open.
    await Promise.all(sessions.map((s) => s.drained()));
    await Promise.all([...this.detaching]);
  }

  private async detach(session: StationSession, reason: string): Promise<void> {
    const held = this.held.get(session.stationId);
    // A replaced socket (a newer one here, or a claim from another replica) was released when it was
    // replaced. Its close often comes late (a half-open socket ends only when terminated), after the new
    // socket's `connected`: recording it would mark a connected station offline.
    const current = held?.session === session;
    if (current) this.release(session.stationId, held);
    // Keep the station's recent ids for a reconnect (retransmissions may reuse them), not forever.
    if (!this.held.has(session.stationId)) this.inboundIds.away(session.stationId);
    this.metrics.connectionEvents.inc({ event: 'closed' });
    const removed = await this.removePresence(session);
    // A newer connection on another replica whose claim we missed (core NATS is at most once) wrote
    // its record over ours: the station is connected there, and our late `disconnected` would say it is not.
    const elsewhere = removed === PRESENCE_OF_ANOTHER;
    if (!current || elsewhere) {
      if (!this.left.has(session)) this.logger.info({ stationId: session.stationId, connectionId: session.connectionId, reason, elsewhere }, 'replaced connection closed; no disconnection recorded');
      return;
    }
    await this.recordDisconnection(held, reason);
  }

  /** Releases a socket about to be closed by this replica and records its disconnection first. */
  private async leave(session: StationSession, reason: string): Promise<void> {
    const held = this.held.get(session.stationId);
    if (held?.session !== session) return;
    this.release(session.stationId, held);
    this.left.add(session);
    // Side by side: the disconnection (PostgreSQL) must not wait on a Redis that stopped answering.
    await Promise.all([this.removePresence(session), this.recordDisconnection(held, reason)]);
  }

  private async recordDisconnection({ session, lastSeen }: Held, reason: string): Promise<void> {
    await this.events
      .disconnected(session.stationId, this.config.OCPP_REPLICA_ID, new Date(), reason, new Date(lastSeen))
      .catch((err: unknown) => this.logger.error({ err, stationId: session.stationId }, 'could not record the disconnection'));
  }

  /**
   * A failed attach (the database failing: Redis failing is retried) leaves nothing behind: a command responder kept
   * here would answer `Offline` for a station that reconnects to another replica. The disconnection
   * is recorded because any older holder dropped its socket without one (here, or elsewhere on our claim).
   */
  private async undoAttach(held: Held): Promise<void> {
    const { session } = held;
    if (this.held.get(session.stationId) === held) this.release(session.stationId, held);
    if (!this.held.has(session.stationId)) this.inboundIds.away(session.stationId);
    await this.removePresence(session);
    await this.events
      .disconnected(session.stationId, this.config.OCPP_REPLICA_ID, new Date(), 'the connection could not be registered', new Date(held.lastSeen))
      .catch((err: unknown) => this.logger.error({ err, stationId: session.stationId }, 'could not record the disconnection of a failed connection'));
  }

  /**
   * Only removes the presence record if it still points at this socket (the station may already be
   * elsewhere). Returns 1 when removed, 0 when there was none, {@link PRESENCE_OF_ANOTHER} when it
   * names another connection, undefined when Redis failed.
   */
  private async removePresence(session: StationSession): Promise<number | undefined> {
    return this.presences.remove(session).catch((err: unknown) => {
      this.logger.warn({ err, stationId: session.stationId }, 'presence removal failed');
      return undefined;
    });
  }

  private release(stationId: string, held: Held): void {
    this.held.delete(stationId);
    this.metrics.connections.set(this.held.size);
    held.stopCommands();
    this.registration.cancel(held);
  }

  /** See PresenceRefresh. */
  private refreshPresence(): Promise<void> {
    return this.refresh.run(this.held.values());
  }

  /**
   * The station's record names a newer connection, written by another replica whose claim never
   * reached us: our socket is a leftover (often half-open). Closed as a claim would have closed it,
   * so commands stop going to two replicas and its close records no `disconnected`.
   */
  private replacedElsewhere(held: Held): void {
    if (this.held.get(held.session.stationId) === held) this.replaced(held, 'another replica', 'presence names another connection (a missed claim); closing the old socket');
  }
}
