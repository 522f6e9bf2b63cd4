import { jest } from '@jest/globals';
import { REDIS } from '@cpo/platform';
import type { Redis } from 'ioredis';
import { ConnectionEvents } from '../src/connection/connection-events.js';
import { PresenceStore } from '../src/connection/presence-store.js';
import { ReplicaLiveness } from '../src/connection/replica-liveness.js';
import type { StationSession } from '../src/connection/station-session.js';
import { RedisKeys } from '../src/redis-keys.js';
import { ocppSuite, uniqueStation } from './harness.js';

const CONNECTED_AT = Date.parse('2026-12-06T12:00:00.000Z');

/**
 * The clean-up after a replica (a peer's, once it declared it lost, or its own predecessor's at
 * start) reads the records naming it, publishes their disconnection, then removes them. Meanwhile
 * the replica, only stalled, may rewrite a record of a connection it still holds (its refresh, or
 * its re-announcement): a removal conditional on the connection id alone then deleted the record of
 * a live connection, which stayed without presence until its next refresh.
 */
describe('presence removal racing a rewrite of the same connection (review)', () => {
  const { ocpp } = ocppSuite();
  afterEach(() => jest.restoreAllMocks());

  it('a clean-up leaves a record the connection rewrote after the clean-up read it, and removes one left unchanged', async () => {
    const { app, config } = ocpp().app;
    const redis = app.get<Redis>(REDIS);
    const keys = app.get(RedisKeys);
    // The records of a previous process under this replica id (the clean-up at start leaves its own).
    const store = new PresenceStore(keys, redis, config);
    const live = uniqueStation();
    const gone = uniqueStation();
    const session = (stationId: string) => ({ stationId, connectionId: `conn-${stationId}`, connectedAt: new Date(CONNECTED_AT) }) as unknown as StationSession;
    await store.write(session(live), CONNECTED_AT + 5_000);
    await store.write(session(gone), CONNECTED_AT + 5_000);
    const rewrittenAt = CONNECTED_AT + 60_000;

    // The clean-up publishes each disconnection between its read and its removal: the live
    // connection's refresh lands exactly there.
    const disconnected = jest.spyOn(app.get(ConnectionEvents), 'disconnected').mockImplementation(async (stationId) => {
      if (stationId !== live) return;
      const { outcomes } = await store.refresh([{ session: session(live), lastSeen: rewrittenAt }]);
      expect(outcomes).toEqual(['written']);
    });
    await app.get(ReplicaLiveness).onApplicationBootstrap();
    expect(disconnected).toHaveBeenCalledWith(live, config.OCPP_REPLICA_ID, expect.any(Date), expect.any(String), expect.any(Date));

    const record = await redis.get(keys.presence(live));
    expect(record && JSON.parse(record)).toMatchObject({ connectionId: `conn-${live}`, lastSeenAt: new Date(rewrittenAt).toISOString() });
    expect(await redis.get(keys.presence(gone))).toBeNull();
  });

  it('a rewrite that comes after the removal restores the live connection\'s record', async () => {
    const { app, config } = ocpp().app;
    const redis = app.get<Redis>(REDIS);
    const keys = app.get(RedisKeys);
    const store = new PresenceStore(keys, redis, config);
    const id = uniqueStation();
    const session = { stationId: id, connectionId: 'live', connectedAt: new Date(CONNECTED_AT) } as unknown as StationSession;
    await store.write(session, CONNECTED_AT + 5_000);
    jest.spyOn(app.get(ConnectionEvents), 'disconnected').mockResolvedValue(undefined);
    await app.get(ReplicaLiveness).onApplicationBootstrap();
    expect(await redis.get(keys.presence(id))).toBeNull();

    expect((await store.refresh([{ session, lastSeen: CONNECTED_AT + 60_000 }])).outcomes).toEqual(['written']);
    expect(JSON.parse((await redis.get(keys.presence(id)))!)).toMatchObject({ connectionId: 'live' });
  });
});
