import { Redis } from 'ioredis';
import type { OcppConfig } from '../config.js';
import { PresenceStore, PresenceUnavailableError } from '../connection/presence-store.js';
import { RedisKeys } from '../redis-keys.js';
import { connectionsOf } from './station-connections.js';

const config = { NATS_SUBJECT_PREFIX: 't', OCPP_REPLICA_ID: 'replica-a', OCPP_PRESENCE_TTL_S: 180 } as OcppConfig;

describe('station views while presence (Redis) is unavailable', () => {
  // A client that never connects: nothing listens on port 1.
  const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => null, commandTimeout: 10_000 });
  const store = new PresenceStore(new RedisKeys(config), redis, config);
  afterAll(() => redis.disconnect());

  it('fails a presence read at once with PresenceUnavailableError, not after the command timeout', async () => {
    const started = Date.now();
    await expect(store.read(['CP-1'])).rejects.toBeInstanceOf(PresenceUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('shows each connection as unknown (null, connection_known false) instead of failing the view', async () => {
    expect(await connectionsOf((ids) => store.read(ids), ['CP-1', 'CP-2'])).toEqual([
      { connection: null, connection_known: false },
      { connection: null, connection_known: false },
    ]);
  });

  it('shows a read connection, and none, as known', async () => {
    const at = '2026-12-07T10:00:00.000Z';
    const presence = { replicaId: 'replica-a', connectionId: 'c1', connectedAt: at, lastSeenAt: at };
    expect(await connectionsOf(async () => [presence, undefined], ['CP-1', 'CP-2'])).toEqual([
      { connection: presence, connection_known: true },
      { connection: null, connection_known: true },
    ]);
  });

  it('lets another failure through (a bug is not an outage)', async () => {
    await expect(connectionsOf(() => Promise.reject(new TypeError('boom')), ['CP-1'])).rejects.toThrow('boom');
  });
});
