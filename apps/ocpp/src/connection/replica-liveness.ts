import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { ConnectionEvents } from './connection-events.js';
import { PresenceStore } from './presence-store.js';
import { SessionRegistry } from './session-registry.js';

/** How long peers remember that they declared a replica lost: longer than any stall it could wake from. */
const LOST_MARK_TTL_S = 86_400;

/**
 * Replicas that die without closing their sockets (killed, their node lost) publish no
 * `ocpp.station.disconnected`, and their presence records outlive them by up to the presence TTL:
 * consumers kept such stations connected until they reconnected somewhere, for good if they never
 * did. So every replica beats in Redis (every quarter of `OCPP_REPLICA_LOST_S`), and every half of
 * it looks for peers that missed theirs for longer than that: one peer claims each (atomically),
 * publishes the disconnection of the stations its records still name, stamped with their last
 * sign of life (before the crash, so before any reconnection elsewhere, which consumers keep as the
 * newer event), and removes those records unless they changed since it read them (a newer
 * connection replaced them, or the replica, only stalled, rewrote them for a live connection).
 *
 * A replica declared lost that was only stalled or cut off from Redis learns it at its next beat
 * and announces its open connections again (`connected`, presence rewritten). Replicas of an older
 * release do not beat and are never declared lost. A replica id outlives its process where the id
 * is the host name (a container restarted in its pod beats again before peers notice): at start,
 * before it takes connections, a replica cleans up after its predecessor of the same id itself,
 * the records this process did not write (see PresenceStore.incarnation). Failing (Redis or the
 * bus unwell at start), that is retried at every beat: peers never claim a replica that beats, so
 * nobody else would publish those stations' disconnection.
 */
@Injectable()
export class ReplicaLiveness implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private beatTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private beatFailing = false;
  private checking = false;
  /**
   * The beat that found the lost mark deleted it: a re-announcement that then failed (NATS or Redis
   * down) would never be tried again, and the stations would stay disconnected for consumers.
   */
  private reannouncePending = false;
  /** The clean-up after a previous run under this id failed: retried at every beat until it succeeds. */
  private previousRunFailed = false;
  private previousRunCleaning?: Promise<void>;
  /** When this replica's last beat got through (its clock), and before when it claims nobody. */
  private lastBeatAt = 0;
  private claimsAfter = 0;

  constructor(
    private readonly presences: PresenceStore,
    private readonly registry: SessionRegistry,
    private readonly events: ConnectionEvents,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const lostMs = this.config.OCPP_REPLICA_LOST_S * 1000;
    void this.beat();
    this.beatTimer = setInterval(() => void this.beat(), lostMs / 4);
    this.beatTimer.unref();
    this.checkTimer = setInterval(() => void this.cleanUpLostPeers(), lostMs / 2);
    this.checkTimer.unref();
  }

  /** Before the HTTP server listens: at start every record naming this replica is a previous process's. */
  async onApplicationBootstrap(): Promise<void> {
    await this.cleanUpPreviousRun();
  }

  /** Never rejects: a failure leaves it pending for the next beat. */
  private cleanUpPreviousRun(): Promise<void> {
    const replicaId = this.config.OCPP_REPLICA_ID;
    this.previousRunCleaning ??= this.disconnectStationsOf(replicaId, `replica ${replicaId} restarted without closing its connections`, { previousRuns: true })
      .then(() => {
        if (this.previousRunFailed) this.logger.info({ replicaId }, "the stations of this replica's previous run are cleaned up");
        this.previousRunFailed = false;
      })
      .catch((err: unknown) => {
        if (!this.previousRunFailed) this.logger.error({ err }, "publishing the disconnections of this replica's previous run failed; retried at every beat");
        this.previousRunFailed = true;
      })
      .finally(() => (this.previousRunCleaning = undefined));
    return this.previousRunCleaning;
  }

  /**
   * After every other shutdown step (the sockets are closed by then): beating until now kept peers
   * from declaring this replica lost while it closed its connections itself.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.beatTimer);
    clearInterval(this.checkTimer);
    await this.presences.forgetBeat().catch((err: unknown) => this.logger.warn({ err }, 'could not withdraw the replica beat; peers will find nothing to clean up'));
  }

  async beat(): Promise<void> {
    try {
      const declaredLost = await this.presences.beat();
      // A beat that got through long after the previous one (they failed, or hung): Redis (or
      // this process) was unwell, most likely for the peers too, whose beats may still be on their
      // way. Claiming them now would publish every station of the fleet as disconnected: a full
      // OCPP_REPLICA_LOST_S of beats first. (So too at start.)
      const now = Date.now();
      const lostMs = this.config.OCPP_REPLICA_LOST_S * 1000;
      if (now - this.lastBeatAt > lostMs / 2) this.claimsAfter = now + lostMs;
      this.lastBeatAt = now;
      if (this.beatFailing) this.logger.info('replica beat recorded again');
      this.beatFailing = false;
      if (declaredLost) {
        this.logger.warn('peers declared this replica lost (a missed beat) and published its stations as disconnected; announcing them again');
        this.reannouncePending = true;
      }
      // Before the re-announcement, which may fail: it must not hold this one back.
      if (this.previousRunFailed) void this.cleanUpPreviousRun();
      if (this.reannouncePending) {
        await this.registry.reannounce();
        this.reannouncePending = false;
      }
    } catch (err) {
      if (!this.beatFailing) this.logger.warn({ err }, 'replica beat failed; peers declare this replica lost if it keeps failing');
      this.beatFailing = true;
    }
  }

  /** Claims the peers that stopped beating and publishes their stations' disconnection. */
  async cleanUpLostPeers(): Promise<void> {
    if (this.checking) return;
    // Not while this replica's own beats are not getting through, nor just after (see beat).
    const now = Date.now();
    if (now < this.claimsAfter || now - this.lastBeatAt > (this.config.OCPP_REPLICA_LOST_S * 1000) / 2) return;
    this.checking = true;
    try {
      const lost = await this.presences.claimLostReplicas(this.config.OCPP_REPLICA_LOST_S * 1000, LOST_MARK_TTL_S);
      for (const replicaId of lost) {
        const reason = `replica ${replicaId} lost (no beat for ${this.config.OCPP_REPLICA_LOST_S} s)`;
        // On failure the claim is left as it is: no longer renewed, a peer (or this replica) takes it
        // over after OCPP_REPLICA_LOST_S, also when Redis failed here or this replica dies now.
        await this.disconnectStationsOf(replicaId, reason, { claimed: true })
          .then(() => this.presences.releaseClaim(replicaId))
          .catch((err: unknown) => this.logger.error({ err, replicaId }, "publishing a lost replica's disconnections failed; a peer takes its claim over"));
      }
    } catch (err) {
      this.logger.error({ err }, 'looking for lost replicas failed');
    } finally {
      this.checking = false;
    }
  }

  private async disconnectStationsOf(replicaId: string, reason: string, o: { claimed?: boolean; previousRuns?: boolean } = {}): Promise<void> {
    let count = 0;
    let renewedAt = Date.now();
    for await (const page of this.presences.namingReplica(replicaId, { previousRuns: o.previousRuns })) {
      if (o.claimed && Date.now() - renewedAt > (this.config.OCPP_REPLICA_LOST_S * 1000) / 4) {
        await this.presences.renewClaim(replicaId);
        renewedAt = Date.now();
      }
      // A claimed replica that beats again is alive: a stalled one that woke up (it re-announces its
      // stations itself), or one restarted under the same id, which beats before it takes
      // connections. Records read after that beat may be its new connections, which this loop
      // would publish as disconnected (stamped at or after their `connected`) and remove: stop.
      // (Checked after the page was read, so any record of the new process implies the beat is seen.)
      if (o.claimed && (await this.presences.isBeating(replicaId))) {
        this.logger.warn({ replicaId, stations: count }, 'a replica declared lost beats again; leaving its remaining stations to it');
        return;
      }
      // A page at a time: its events share group commits, its removals one Redis round trip.
      // Published first: if a record is then gone to a newer connection, consumers keep that
      // connection's later `connected`; a record removed with its event unpublished would lose it.
      await Promise.all(page.map(({ stationId, presence }) => this.events.disconnected(stationId, replicaId, new Date(presence.lastSeenAt), reason, new Date(presence.lastSeenAt))));
      // Only records unchanged since read: one rewritten meanwhile is of a connection the replica,
      // only stalled, still holds (it announces it again), not one to clean up.
      await Promise.all(page.map(({ stationId, record }) => this.presences.removeIfUnchanged(stationId, record)));
      count += page.length;
    }
    if (count > 0) this.logger.warn({ replicaId, stations: count, reason }, 'stations of a lost replica published as disconnected');
  }
}
