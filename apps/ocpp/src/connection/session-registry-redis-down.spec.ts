import { jest } from '@jest/globals';
import type { BusNames } from '@cpo/messaging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import type { CommandDrain } from './command-drain.js';
import type { ConnectionEvents } from './connection-events.js';
import { PresenceUnavailableError, type PresenceStore } from './presence-store.js';
import { SessionRegistry } from './session-registry.js';
import type { StationCommands } from './station-commands.js';
import type { StationSession } from './station-session.js';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
const config = { OCPP_REPLICA_ID: 'replica-a', OCPP_PRESENCE_TTL_S: 180 } as OcppConfig;

/** A session that closes when told (as the charger going away). */
function fakeSession(stationId: string) {
  let closeNow!: (reason: string) => void;
  const closed = new Promise<string>((r) => (closeNow = r));
  const session = {
    stationId,
    connectionId: `conn-${stationId}`,
    connectedAt: new Date(),
    isOpen: true,
    closed,
    closing: closed.then(() => undefined),
    close: jest.fn(),
  };
  const end = (reason = 'closed by charger (1000)') => {
    session.isOpen = false;
    closeNow(reason);
  };
  return { session: session as unknown as StationSession, end, raw: session };
}

/** Redis down until `back()`: every presence call fails at once, as PresenceStore does while its client is not ready. */
function downRedis() {
  let up = false;
  let ready: (() => void) | undefined;
  const unavailable = () => Promise.reject(new PresenceUnavailableError());
  const write = jest.fn((_s: StationSession, _seen: number) => (up ? Promise.resolve(42) : unavailable()));
  const refresh = jest.fn(async (entries: readonly unknown[]) => ({ outcomes: entries.map(() => (up ? 'written' : 'failed')) as ('written' | 'failed')[] }));
  const presences = {
    get available() {
      return up;
    },
    write,
    refresh,
    remove: jest.fn(() => (up ? Promise.resolve(1) : unavailable())),
    read: jest.fn(() => unavailable()),
    onReady: (listener: () => void) => {
      ready = listener;
      return () => (ready = undefined);
    },
  };
  return {
    presences: presences as unknown as PresenceStore,
    write,
    refresh,
    /** Redis answers again and the client reports it ready. */
    back: () => {
      up = true;
      ready?.();
    },
    hasReadyListener: () => ready !== undefined,
  };
}

function registry(presences: PresenceStore) {
  const connected = jest.fn(async () => undefined);
  const disconnected = jest.fn(async () => undefined);
  const publish = jest.fn();
  const gauge = { set: () => undefined, inc: () => undefined };
  const r = new SessionRegistry(
    { serve: () => () => undefined } as unknown as StationCommands,
    { stopping: false } as unknown as CommandDrain,
    { connected, disconnected } as unknown as ConnectionEvents,
    { connections: gauge, connectionEvents: gauge } as unknown as OcppMetrics,
    presences,
    { subject: (s: string) => s } as unknown as BusNames,
    { publish, subscribe: () => ({ drain: async () => undefined }) } as unknown as NatsConnection,
    config,
    logger,
  );
  r.onModuleInit();
  return { r, connected, disconnected, publish };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('SessionRegistry while Redis is down', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps a connection whose presence cannot be written: held and served here, announced connected once', async () => {
    const redis = downRedis();
    const { r, connected, disconnected, publish } = registry(redis.presences);
    const { session } = fakeSession('CP-1');
    await expect(r.attach(session)).resolves.toBeUndefined();
    expect(r.get('CP-1')).toBe(session);
    expect(connected).toHaveBeenCalledTimes(1);
    expect(disconnected).not.toHaveBeenCalled();
    // Not claimed yet: without Redis there is no order to announce.
    expect(publish).not.toHaveBeenCalled();
    await r.beforeApplicationShutdown().catch(() => undefined);
  });

  it('registers the connection (presence and claim) as soon as the Redis client is ready again', async () => {
    const redis = downRedis();
    const { r, publish } = registry(redis.presences);
    const { session, end } = fakeSession('CP-2');
    await r.attach(session);
    expect(redis.hasReadyListener()).toBe(true);
    redis.back();
    await settle();
    expect(redis.write).toHaveBeenCalledTimes(2);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(JSON.parse(publish.mock.calls[0]![1] as string)).toEqual({ stationId: 'CP-2', connectionId: 'conn-CP-2', replicaId: 'replica-a', claim: 42 });
    end();
  });

  it('retries the registration with backoff while Redis stays down, and stops once the socket closed', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    const redis = downRedis();
    const { r, disconnected } = registry(redis.presences);
    const { session, end } = fakeSession('CP-3');
    await r.attach(session);
    expect(redis.write).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1_300);
    expect(redis.write).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(2_500);
    expect(redis.write).toHaveBeenCalledTimes(3);
    end();
    await jest.advanceTimersByTimeAsync(10);
    // One `disconnected` for the one `connected`, although its presence could never be removed.
    expect(disconnected).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(redis.write).toHaveBeenCalledTimes(3);
  });

  it('rewrites the presence of every registered connection at once when Redis is back (it may have restarted empty)', async () => {
    const redis = downRedis();
    redis.back();
    const { r } = registry(redis.presences);
    const { session, end } = fakeSession('CP-4');
    await r.attach(session);
    expect(redis.refresh).not.toHaveBeenCalled();
    redis.back();
    await settle();
    expect(redis.refresh).toHaveBeenCalledTimes(1);
    expect(redis.refresh.mock.calls[0]![0]).toEqual([expect.objectContaining({ session })]);
    end();
  });
});
