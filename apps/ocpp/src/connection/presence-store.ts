import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, REDIS } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import { BEAT, CLAIM_LOST_REPLICAS, CLAIM_PRESENCE, PRESENCE_OF_ANOTHER, REFRESH_PRESENCE, REMOVE_PRESENCE, REMOVE_PRESENCE_IF_UNCHANGED, RENEW_CLAIM } from './presence-scripts.js';
import type { StationSession } from './station-session.js';

/** Where a station is connected: its presence record in Redis, shown by the operator views. */
export interface Presence {
  replicaId: string;
  connectionId: string;
  connectedAt: string;
  lastSeenAt: string;
}

/**
 * A presence record as stored: with the process that wrote it and the connection's claim (see
 * CLAIM_PRESENCE), which the views do not show.
 */
interface PresenceRecord extends Presence {
  incarnation?: string;
  claim?: number;
}

/**
 * The presence records cannot be read (Redis unreachable or failing): where a station is connected
 * is unknown, which is not the same as "nowhere".
 */
export class PresenceUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('the presence registry (Redis) is unavailable', { cause });
    this.name = 'PresenceUnavailableError';
  }
}

/** What a conditional refresh found: written, a newer connection's record (left alone), or a failure. */
export type RefreshOutcome = 'written' | 'elsewhere' | 'failed';

/**
 * The presence records (station → replica, connection, last seen) in Redis, each expiring
 * `OCPP_PRESENCE_TTL_S` after it was written. Writes and removals that could race with another
 * replica's newer connection are Lua scripts conditional on the connection id (presence-scripts.ts).
 */
@Injectable()
export class PresenceStore {
  /**
   * This process, in the records it writes. The replica id outlives the process where it is the host
   * name (a container restarted in its pod): the records of a previous run under the same id are
   * then told from this run's by it alone, so the restarted replica can clean them up at any time,
   * also once it holds new connections. Not in the replica id: that one stays readable and stable.
   */
  readonly incarnation = randomUUID();

  constructor(
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  /**
   * Whether the client is connected. Not ready, a command would wait in ioredis's offline queue for
   * the whole command timeout (seconds): callers that can do without Redis fail at once instead.
   */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  /** Calls `listener` each time the client is connected again; returns the unsubscription. */
  onReady(listener: () => void): () => void {
    this.redis.on('ready', listener);
    return () => void this.redis.off('ready', listener);
  }

  /** Rejects with {@link PresenceUnavailableError} when Redis cannot answer. */
  async read(stationIds: string[]): Promise<(Presence | undefined)[]> {
    if (stationIds.length === 0) return [];
    if (!this.available) throw new PresenceUnavailableError();
    let values: (string | null)[];
    try {
      values = await this.redis.mget(stationIds.map((id) => this.keys.presence(id)));
    } catch (err) {
      throw new PresenceUnavailableError(err);
    }
    return values.map((v) => {
      if (!v) return undefined;
      const { replicaId, connectionId, connectedAt, lastSeenAt } = JSON.parse(v) as PresenceRecord;
      return { replicaId, connectionId, connectedAt, lastSeenAt };
    });
  }

  /**
   * A new connection's record, over whatever was there. Resolves its claim: greater than that of
   * every connection of the station registered before it, on any replica (see CLAIM_PRESENCE).
   */
  async write(session: StationSession, lastSeen: number): Promise<number> {
    if (!this.available) throw new PresenceUnavailableError();
    return (await this.redis.eval(CLAIM_PRESENCE, 1, this.keys.presence(session.stationId), this.record(session, lastSeen), this.config.OCPP_PRESENCE_TTL_S)) as number;
  }

  /**
   * Rewrites the records of these open sockets with their last activity, in one pipeline, each only
   * if it does not name a newer connection. Never rejects: a failure is an outcome per record.
   */
  async refresh(entries: readonly { session: StationSession; lastSeen: number; claim?: number }[]): Promise<{ outcomes: RefreshOutcome[]; err?: unknown }> {
    try {
      if (!this.available) throw new PresenceUnavailableError();
      const pipeline = this.redis.pipeline();
      for (const { session, lastSeen, claim } of entries) {
        pipeline.eval(REFRESH_PRESENCE, 1, this.keys.presence(session.stationId), this.record(session, lastSeen, claim), session.connectionId, this.config.OCPP_PRESENCE_TTL_S);
      }
      const results = await pipeline.exec();
      const outcomes = entries.map((_, i): RefreshOutcome => {
        const result = results?.[i];
        if (!result || result[0]) return 'failed';
        return result[1] === PRESENCE_OF_ANOTHER ? 'elsewhere' : 'written';
      });
      const failed = outcomes.indexOf('failed');
      return { outcomes, err: failed >= 0 ? results?.[failed]?.[0] : undefined };
    } catch (err) {
      return { outcomes: entries.map(() => 'failed'), err };
    }
  }

  /**
   * Only removes the record if it still points at this socket (the station may already be
   * elsewhere). Resolves 1 when removed, 0 when there was none, {@link PRESENCE_OF_ANOTHER} when it
   * names another connection; rejects when Redis failed.
   */
  async remove(session: StationSession): Promise<number> {
    return (await this.redis.eval(REMOVE_PRESENCE, 1, this.keys.presence(session.stationId), session.connectionId)) as number;
  }

  /**
   * Removes a record read from another replica's (see ReplicaLiveness) only if it is still exactly
   * `record`, the raw value `namingReplica` gave: resolves like `remove`.
   */
  async removeIfUnchanged(stationId: string, record: string): Promise<number> {
    return (await this.redis.eval(REMOVE_PRESENCE_IF_UNCHANGED, 1, this.keys.presence(stationId), record)) as number;
  }

  /**
   * Every presence record naming `replicaId`, a page per SCAN batch (records change meanwhile: the
   * caller re-checks), each with its raw value for `removeIfUnchanged`. `previousRuns`: only those
   * this process did not write (a record of an older release has no incarnation: not ours either).
   */
  async *namingReplica(replicaId: string, o: { previousRuns?: boolean } = {}): AsyncGenerator<{ stationId: string; presence: Presence; record: string }[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.presencePattern(), 'COUNT', 1000);
      cursor = next;
      const values = keys.length ? await this.redis.mget(keys) : [];
      const page: { stationId: string; presence: Presence; record: string }[] = [];
      for (let i = 0; i < keys.length; i++) {
        const record = values[i];
        const presence = record ? (JSON.parse(record) as PresenceRecord) : undefined;
        if (o.previousRuns && presence?.incarnation === this.incarnation) continue;
        if (record && presence?.replicaId === replicaId) page.push({ stationId: this.keys.stationOfPresence(keys[i]!), presence, record });
      }
      if (page.length) yield page;
    } while (cursor !== '0');
  }

  /** Records this replica's beat; true when peers had declared it lost since its previous one. */
  async beat(): Promise<boolean> {
    const replicaId = this.config.OCPP_REPLICA_ID;
    return (await this.redis.eval(BEAT, 3, this.keys.replicaBeats(), this.keys.replicaClaims(), this.keys.replicaLostMarks(), replicaId)) === 1;
  }

  /**
   * The peers whose beat (or whose claim by another peer) is older than `lostMs`, now claimed by
   * this replica (no other peer gets them while it renews the claim; `releaseClaim` when done).
   */
  async claimLostReplicas(lostMs: number, markTtlS: number): Promise<string[]> {
    const keys = [this.keys.replicaBeats(), this.keys.replicaClaims(), this.keys.replicaLostMarks()];
    return (await this.redis.eval(CLAIM_LOST_REPLICAS, keys.length, ...keys, this.config.OCPP_REPLICA_ID, lostMs, markTtlS * 1000)) as string[];
  }

  /** Keeps a claim from being taken over while its clean-up goes on. */
  async renewClaim(replicaId: string): Promise<void> {
    await this.redis.eval(RENEW_CLAIM, 1, this.keys.replicaClaims(), replicaId);
  }

  /** The claimed replica's stations are all handled (or it beats again). */
  async releaseClaim(replicaId: string): Promise<void> {
    await this.redis.hdel(this.keys.replicaClaims(), replicaId);
  }

  /** Whether the replica has beaten since it was claimed (claiming removes its beat). */
  async isBeating(replicaId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.replicaBeats(), replicaId)) === 1;
  }

  /** A replica stopping cleanly leaves the beats: its peers have nothing to clean up after it. */
  async forgetBeat(): Promise<void> {
    await this.redis.hdel(this.keys.replicaBeats(), this.config.OCPP_REPLICA_ID);
  }

  /** Without a claim: CLAIM_PRESENCE appends it (last, as here). */
  private record(session: StationSession, lastSeen: number, claim?: number): string {
    const presence: PresenceRecord = {
      replicaId: this.config.OCPP_REPLICA_ID,
      connectionId: session.connectionId,
      connectedAt: session.connectedAt.toISOString(),
      lastSeenAt: new Date(lastSeen).toISOString(),
      incarnation: this.incarnation,
      claim,
    };
    return JSON.stringify(presence);
  }
}
