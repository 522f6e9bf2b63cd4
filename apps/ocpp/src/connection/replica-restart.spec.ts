import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import type { ConnectionEvents } from './connection-events.js';
import { PresenceStore, type Presence } from './presence-store.js';
import { ReplicaLiveness } from './replica-liveness.js';
import type { SessionRegistry } from './session-registry.js';
import type { StationSession } from './station-session.js';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const config = { OCPP_REPLICA_ID: 'ocpp-7d9f-x2k4-1', OCPP_REPLICA_LOST_S: 20, OCPP_PRESENCE_TTL_S: 180, NATS_SUBJECT_PREFIX: 't' } as OcppConfig;
const at = '2026-12-07T10:00:00.000Z';

/** A Redis holding these presence records (key → raw value) for SCAN/MGET, recording the writes. */
function fakeRedis(records: Record<string, string>) {
  const writes: string[] = [];
  const redis = {
    status: 'ready',
    scan: async () => ['0', Object.keys(records)],
    mget: async (keys: string[]) => keys.map((k) => records[k] ?? null),
    eval: async (_script: string, _n: number, _key: string, value: string) => {
      writes.push(value);
      return 1;
    },
  };
  return { redis: redis as unknown as Redis, writes };
}

describe('a replica restarted under the same id (a container restarted in its pod: same host name, pid 1)', () => {
  afterEach(() => jest.restoreAllMocks());

  it("tells its previous run's presence records from its own by the incarnation it writes in each, the replica id unchanged", async () => {
    const keys = new RedisKeys(config);
    const session = { stationId: 'CP-NEW', connectionId: 'c-new', connectedAt: new Date(at) } as unknown as StationSession;
    const probe = fakeRedis({});
    const store = new PresenceStore(keys, probe.redis, config);
    await store.write(session, Date.parse(at));
    const mine = probe.writes[0]!;
    expect(JSON.parse(mine)).toMatchObject({ replicaId: config.OCPP_REPLICA_ID, incarnation: store.incarnation });
    expect(store.incarnation).not.toBe(new PresenceStore(keys, probe.redis, config).incarnation);

    const old = (connectionId: string, incarnation?: string) => JSON.stringify({ replicaId: config.OCPP_REPLICA_ID, connectionId, connectedAt: at, lastSeenAt: at, incarnation, claim: 1 });
    const { redis } = fakeRedis({
      [keys.presence('CP-OLD')]: old('c-old', 'a-previous-process'),
      [keys.presence('CP-OLDER-RELEASE')]: old('c-older'),
      [keys.presence('CP-NEW')]: `${mine.slice(0, -1)},"claim":2}`,
      [keys.presence('CP-PEER')]: JSON.stringify({ replicaId: 'ocpp-5c1a-q8r2-1', connectionId: 'c-peer', connectedAt: at, lastSeenAt: at }),
    });
    const restarted = Object.assign(new PresenceStore(keys, redis, config), { incarnation: store.incarnation });
    const stations = async (o?: { previousRuns?: boolean }) => {
      const ids: string[] = [];
      for await (const page of restarted.namingReplica(config.OCPP_REPLICA_ID, o)) ids.push(...page.map((r) => r.stationId));
      return ids.sort();
    };
    expect(await stations({ previousRuns: true })).toEqual(['CP-OLD', 'CP-OLDER-RELEASE']);
    // A peer cleaning up after a lost replica takes every record naming it.
    expect(await stations()).toEqual(['CP-NEW', 'CP-OLD', 'CP-OLDER-RELEASE']);
  });

  it("retries the clean-up after its previous run at every beat when it failed at start (peers never claim a replica that beats), until it succeeds, and only the previous run's records", async () => {
    const previous: Presence = { replicaId: config.OCPP_REPLICA_ID, connectionId: 'c-old', connectedAt: at, lastSeenAt: at };
    let redisUp = false;
    const namingReplica = jest.fn(async function* (_id: string, _o?: { previousRuns?: boolean }) {
      if (!redisUp) throw new Error('Redis unavailable');
      yield [{ stationId: 'CP-OLD', presence: previous, record: JSON.stringify(previous) }];
    });
    const disconnected = jest.fn(async () => undefined);
    const removeIfUnchanged = jest.fn(async () => 1);
    const presences = { beat: async () => false, namingReplica, removeIfUnchanged } as unknown as PresenceStore;
    const l = new ReplicaLiveness(presences, {} as SessionRegistry, { disconnected } as unknown as ConnectionEvents, config, logger);

    await l.onApplicationBootstrap();
    expect(disconnected).not.toHaveBeenCalled();
    redisUp = true;
    await l.beat();
    await new Promise((r) => setImmediate(r));
    expect(disconnected).toHaveBeenCalledTimes(1);
    expect(disconnected).toHaveBeenCalledWith('CP-OLD', config.OCPP_REPLICA_ID, new Date(at), `replica ${config.OCPP_REPLICA_ID} restarted without closing its connections`, new Date(at));
    expect(removeIfUnchanged).toHaveBeenCalledWith('CP-OLD', JSON.stringify(previous));
    // Connections this process took meanwhile name the same id: only records it did not write.
    expect(namingReplica.mock.calls.map((c) => c[1])).toEqual([{ previousRuns: true }, { previousRuns: true }]);
    // Done once: later beats leave the records alone.
    await l.beat();
    await new Promise((r) => setImmediate(r));
    expect(namingReplica).toHaveBeenCalledTimes(2);
    expect(disconnected).toHaveBeenCalledTimes(1);
  });
});
