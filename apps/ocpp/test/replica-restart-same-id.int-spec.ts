import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { REDIS } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import type { Redis } from 'ioredis';
import { PresenceStore } from '../src/connection/presence-store.js';
import { RedisKeys } from '../src/redis-keys.js';
import { api, replicaPair, startOcpp, uniqueStation } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

describe('an ocpp replica restarted under the same id (a container restarted in its pod)', () => {
  // Beats every 0.5 s.
  const env = { OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_REPLICA_LOST_S: '2' };
  const pair = replicaPair(env);

  it("cleans up after its previous run once Redis answers when that failed at start, also once it holds connections of its own under the id: those keep their presence and get no disconnection", async () => {
    const a = pair.a();
    const redis = a.app.app.get<Redis>(REDIS);
    const keys = a.app.app.get(RedisKeys);
    const gone = uniqueStation();
    const fresh = uniqueStation();
    const lastSeenAt = '2026-12-07T09:00:00.000Z';
    // What the killed process left: its record, same replica id, another incarnation.
    await redis.set(keys.presence(gone), JSON.stringify({ replicaId: 'ocpp-0-1', connectionId: 'gone', connectedAt: lastSeenAt, lastSeenAt, incarnation: 'killed-process', claim: 1 }), 'EX', 60);
    // Redis fails the restarted replica's clean-up at start (its beats still get through).
    const scan = jest.spyOn(PresenceStore.prototype, 'namingReplica').mockImplementationOnce(() => {
      throw new Error('Redis unavailable');
    });
    const c = await startOcpp({ ...env, OCPP_REPLICA_ID: 'ocpp-0-1' }, a);
    try {
      expect(scan).toHaveBeenCalledTimes(1);
      // It takes a connection under the same id before the clean-up is retried.
      const client = await pair.open(c, fresh);
      await client.call('BootNotification', BOOT);
      expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, gone).length > 0, 8_000)).toBe(true);
      expect(a.events.of(Subjects.OcppStationDisconnected, gone)).toEqual([
        { stationId: gone, replicaId: 'ocpp-0-1', disconnectedAt: lastSeenAt, reason: 'replica ocpp-0-1 restarted without closing its connections' },
      ]);
      expect(await redis.get(keys.presence(gone))).toBeNull();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(a.events.of(Subjects.OcppStationDisconnected, gone)).toHaveLength(1);
      expect(a.events.of(Subjects.OcppStationDisconnected, fresh)).toEqual([]);
      expect((await api(a, 'GET', `/api/v1/stations/${fresh}`)).body.connection).toMatchObject({ replicaId: 'ocpp-0-1' });
      client.close();
    } finally {
      await c.close();
    }
  }, 30_000);
});
