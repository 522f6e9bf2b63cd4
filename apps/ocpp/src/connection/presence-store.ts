import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, REDIS } from '@cpo/platform';
import type { Redis } from 'ioredis';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import { PRESENCE_OF_ANOTHER, REFRESH_PRESENCE, REMOVE_PRESENCE } from './presence-scripts.js';
import type { StationSession } from './station-session.js';

/** Where a station is connected: its presence record in Redis, shown by the operator views. */
export interface Presence {
  replicaId: string;
  connectionId: string;
  connectedAt: string;
  lastSeenAt: string;
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
  constructor(
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  async read(stationIds: string[]): Promise<(Presence | undefined)[]> {
    if (stationIds.length === 0) return [];
    const values = await this.redis.mget(stationIds.map((id) => this.keys.presence(id)));
    return values.map((v) => (v ? (JSON.parse(v) as Presence) : undefined));
  }

  /** A new connection's record, over whatever was there (its claim told any older holder to leave). */
  async write(session: StationSession, lastSeen: number): Promise<void> {
    await this.redis.set(this.keys.presence(session.stationId), this.record(session, lastSeen), 'EX', this.config.OCPP_PRESENCE_TTL_S);
  }

  /**
   * Rewrites the records of these open sockets with their last activity, in one pipeline, each only
   * if it does not name a newer connection. Never rejects: a failure is an outcome per record.
   */
  async refresh(entries: readonly { session: StationSession; lastSeen: number }[]): Promise<{ outcomes: RefreshOutcome[]; err?: unknown }> {
    try {
      const pipeline = this.redis.pipeline();
      for (const { session, lastSeen } of entries) {
        pipeline.eval(REFRESH_PRESENCE, 1, this.keys.presence(session.stationId), this.record(session, lastSeen), session.connectionId, this.config.OCPP_PRESENCE_TTL_S);
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

  private record(session: StationSession, lastSeen: number): string {
    const presence: Presence = {
      replicaId: this.config.OCPP_REPLICA_ID,
      connectionId: session.connectionId,
      connectedAt: session.connectedAt.toISOString(),
      lastSeenAt: new Date(lastSeen).toISOString(),
    };
    return JSON.stringify(presence);
  }
}
