import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { ConnectionEvents } from './connection-events.js';
import type { Presence, PresenceStore } from './presence-store.js';
import { ReplicaLiveness } from './replica-liveness.js';
import type { SessionRegistry } from './session-registry.js';

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const config = { OCPP_REPLICA_ID: 'replica-a', OCPP_REPLICA_LOST_S: 20 } as OcppConfig;

/** Beats for longer than OCPP_REPLICA_LOST_S (the clock mocked, left there): it may claim its peers. */
async function beatingForLong(l: ReplicaLiveness): Promise<void> {
  let now = 5_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  for (let i = 0; i < 6; i++, now += (config.OCPP_REPLICA_LOST_S * 1000) / 4) await l.beat();
}

function liveness(presences: Partial<PresenceStore>, registry: Partial<SessionRegistry> = {}, events: Partial<ConnectionEvents> = {}) {
  return new ReplicaLiveness(presences as PresenceStore, registry as SessionRegistry, events as ConnectionEvents, config, logger);
}

describe('ReplicaLiveness', () => {
  afterEach(() => jest.restoreAllMocks());

  it('announces its stations again at the next beat when the re-announcement after the lost mark failed (the beat already cleared the mark)', async () => {
    // Redis answers the mark once: the beat that saw it deleted it.
    const marks = [true, false, false];
    const beat = jest.fn(async () => marks.shift() ?? false);
    const reannounce = jest.fn<() => Promise<void>>().mockRejectedValueOnce(new Error('NATS unavailable')).mockResolvedValue(undefined);
    const l = liveness({ beat }, { reannounce });
    await l.beat();
    expect(reannounce).toHaveBeenCalledTimes(1);
    await l.beat();
    expect(reannounce).toHaveBeenCalledTimes(2);
    // Done once it succeeded.
    await l.beat();
    expect(reannounce).toHaveBeenCalledTimes(2);
  });

  it('stops publishing a claimed replica’s stations as disconnected once it beats again (restarted under the same id, or woken up): later records may be its new connections', async () => {
    const at = '2026-12-06T10:00:00.000Z';
    const record = (connectionId: string): Presence => ({ replicaId: 'replica-b', connectionId, connectedAt: at, lastSeenAt: at }) as Presence;
    let beating = false;
    async function* namingReplica() {
      yield [{ stationId: 'CP-OLD', presence: record('old'), record: JSON.stringify(record('old')) }];
      // replica-b restarts, beats, takes a connection: its record names the same replica id.
      beating = true;
      yield [{ stationId: 'CP-NEW', presence: record('new'), record: JSON.stringify(record('new')) }];
    }
    const disconnected = jest.fn(async () => undefined);
    const removeIfUnchanged = jest.fn(async () => 1);
    const l = liveness(
      { beat: async () => false, claimLostReplicas: async () => ['replica-b'], namingReplica, removeIfUnchanged, isBeating: async () => beating, renewClaim: async () => undefined, releaseClaim: async () => undefined },
      {},
      { disconnected },
    );
    await beatingForLong(l);
    await l.cleanUpLostPeers();
    expect(disconnected.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['CP-OLD']);
    expect(removeIfUnchanged).toHaveBeenCalledTimes(1);
    // The record as read: one the replica rewrote since is left to it.
    expect(removeIfUnchanged).toHaveBeenCalledWith('CP-OLD', JSON.stringify(record('old')));
  });

  describe('claims nobody while its own beats were not getting through (Redis down or slow for every replica)', () => {
    const lostMs = config.OCPP_REPLICA_LOST_S * 1000;
    let now = 1_000_000;
    beforeEach(() => {
      now = 1_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => now);
    });
    afterEach(() => jest.restoreAllMocks());

    it('waits a full OCPP_REPLICA_LOST_S of beats after Redis came back before claiming its peers, whose beats may still be on their way', async () => {
      let redisUp = true;
      const claimLostReplicas = jest.fn(async () => [] as string[]);
      const l = liveness({ beat: async () => (redisUp ? false : Promise.reject(new Error('Redis down'))), claimLostReplicas });
      // Beating for long, every quarter of the threshold: claims as usual.
      for (let i = 0; i < 6; i++, now += lostMs / 4) await l.beat();
      await l.cleanUpLostPeers();
      expect(claimLostReplicas).toHaveBeenCalledTimes(1);
      // Redis is down for a minute: every replica's beats fail.
      redisUp = false;
      for (let i = 0; i < 12; i++, now += lostMs / 4) await l.beat();
      await l.cleanUpLostPeers();
      expect(claimLostReplicas).toHaveBeenCalledTimes(1);
      // Back: this replica's first beat gets through; its peers' are not in yet (their last ones are a minute old).
      redisUp = true;
      await l.beat();
      await l.cleanUpLostPeers();
      expect(claimLostReplicas).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 5; i++) {
        now += lostMs / 4;
        await l.beat();
      }
      await l.cleanUpLostPeers();
      expect(claimLostReplicas).toHaveBeenCalledTimes(2);
    });
  });
});
