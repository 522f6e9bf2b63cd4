import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { REDIS } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { PresenceStore } from '../src/connection/presence-store.js';
import { ReplicaLiveness } from '../src/connection/replica-liveness.js';
import { RedisKeys } from '../src/redis-keys.js';
import { api, replicaPair, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

async function registered(h: OcppHarness): Promise<string> {
  const id = uniqueStation();
  expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
  return id;
}

async function connection(h: OcppHarness, id: string): Promise<{ connectionId: string; replicaId: string; lastSeenAt: string } | null> {
  return (await api(h, 'GET', `/api/v1/stations/${id}`)).body.connection;
}

/** ocpp.station.connected / disconnected of one station, in the order the bus delivered them. */
function connectionEvents(h: OcppHarness, id: string): { subject: string; payload: Record<string, unknown> }[] {
  return h.events.received.filter((e) => e.payload['stationId'] === id && (e.subject === Subjects.OcppStationConnected || e.subject === Subjects.OcppStationDisconnected));
}

describe('OCPP replicas that stop beating', () => {
  // Beats every 0.5 s; a replica silent for 2 s is declared lost, checked every second.
  const env = { OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_REPLICA_LOST_S: '2' };
  const pair = replicaPair(env);
  let a: OcppHarness;
  let b: OcppHarness;
  beforeAll(() => {
    a = pair.a();
    b = pair.b();
  });

  it("a peer publishes a silent replica's stations as disconnected, stamped with their last sign of life, and drops their presence; the replica, beating again, announces them anew", async () => {
    const id = await registered(a);
    const c = await pair.open(b, id);
    await c.call('BootNotification', BOOT);
    expect(await eventually(async () => (await connection(a, id))?.replicaId === 'replica-b')).toBe(true);
    const before = (await connection(a, id))!;

    // Replica B stalls (or loses Redis): its beats stop, its socket stays open.
    const beat = jest.spyOn(b.app.app.get(ReplicaLiveness), 'beat').mockResolvedValue(undefined);
    expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).length > 0, 8_000)).toBe(true);
    const [disconnected] = a.events.of(Subjects.OcppStationDisconnected, id);
    expect(disconnected).toEqual({ stationId: id, replicaId: 'replica-b', disconnectedAt: before.lastSeenAt, reason: 'replica replica-b lost (no beat for 2 s)' });
    expect(await connection(a, id)).toBeNull();

    // B beats again, learns it was declared lost, and announces its still-open connection.
    beat.mockRestore();
    expect(await eventually(async () => (await connection(a, id))?.connectionId === before.connectionId, 8_000)).toBe(true);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    // The presence is rewritten before the `connected` is published (only a connection still ours is announced).
    expect(await eventually(() => connectionEvents(a, id).length >= 3, 8_000)).toBe(true);
    const events = connectionEvents(a, id);
    expect(events.map((e) => e.subject)).toEqual([Subjects.OcppStationConnected, Subjects.OcppStationDisconnected, Subjects.OcppStationConnected]);
    expect(events[2]!.payload).toMatchObject({ replicaId: 'replica-b' });
    expect(Date.parse(events[2]!.payload['connectedAt'] as string)).toBeGreaterThan(Date.parse(before.lastSeenAt));
    // Announced once: later beats find no mark.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(connectionEvents(a, id)).toHaveLength(3);
  }, 30_000);

  it('a replica declared lost announces again only the connections still its own: one a newer connection elsewhere replaced is closed, not announced', async () => {
    const id = await registered(a);
    const redis = a.app.app.get<Redis>(REDIS);
    const keys = a.app.app.get(RedisKeys);
    const c = await pair.open(b, id);
    await c.call('BootNotification', BOOT);
    expect(await eventually(async () => (await connection(a, id))?.replicaId === 'replica-b')).toBe(true);
    const beat = jest.spyOn(b.app.app.get(ReplicaLiveness), 'beat').mockResolvedValue(undefined);
    expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).length > 0, 8_000)).toBe(true);
    // Meanwhile the charger reconnected to A, whose claim never reached B (B's socket is a leftover).
    const now = new Date().toISOString();
    await redis.set(keys.presence(id), JSON.stringify({ replicaId: 'replica-a', connectionId: 'newer', connectedAt: now, lastSeenAt: now }), 'EX', 60);
    beat.mockRestore();
    expect(await eventually(() => c.ws.readyState === WebSocket.CLOSED, 8_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    // B's `connected`, stamped after A's, would make consumers keep the station on B.
    expect(connectionEvents(a, id).map((e) => `${e.subject} ${e.payload['replicaId']}`)).toEqual([`${Subjects.OcppStationConnected} replica-b`, `${Subjects.OcppStationDisconnected} replica-b`]);
    expect(JSON.parse((await redis.get(keys.presence(id)))!)).toMatchObject({ replicaId: 'replica-a', connectionId: 'newer' });
  }, 30_000);

  it('a replica restarted under the same id publishes its previous run\'s stations as disconnected before it takes connections, and leaves no beat when it stops', async () => {
    const id = await registered(a);
    const redis = a.app.app.get<Redis>(REDIS);
    const keys = a.app.app.get(RedisKeys);
    const lastSeenAt = '2026-12-06T10:00:00.000Z';
    // What a killed replica-c leaves behind: its station's presence record.
    await redis.set(keys.presence(id), JSON.stringify({ replicaId: 'replica-c', connectionId: 'gone', connectedAt: lastSeenAt, lastSeenAt }), 'EX', 60);
    const c = await startOcpp({ ...env, OCPP_REPLICA_ID: 'replica-c' }, a);
    try {
      expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).length > 0)).toBe(true);
      expect(a.events.of(Subjects.OcppStationDisconnected, id)).toEqual([
        { stationId: id, replicaId: 'replica-c', disconnectedAt: lastSeenAt, reason: 'replica replica-c restarted without closing its connections' },
      ]);
      expect(await redis.get(keys.presence(id))).toBeNull();
      expect(await redis.hexists(keys.replicaBeats(), 'replica-c')).toBe(1);
    } finally {
      await c.close();
    }
    expect(await redis.hexists(keys.replicaBeats(), 'replica-c')).toBe(0);
  }, 30_000);

  it('a claim whose claimant died (or lost Redis) before it published anything is taken over by a peer', async () => {
    const id = await registered(a);
    const redis = a.app.app.get<Redis>(REDIS);
    const keys = a.app.app.get(RedisKeys);
    const lastSeenAt = '2026-12-06T11:00:00.000Z';
    await redis.set(keys.presence(id), JSON.stringify({ replicaId: 'replica-f', connectionId: 'gone', connectedAt: lastSeenAt, lastSeenAt }), 'EX', 60);
    // No periodic check meanwhile: the claim below is the one that is left unfinished.
    const liveness = [a, b].map((h) => h.app.app.get(ReplicaLiveness));
    const paused = liveness.map((l) => jest.spyOn(l, 'cleanUpLostPeers').mockResolvedValue(undefined));
    await redis.hset(keys.replicaBeats(), 'replica-f', 1);
    // A peer claims replica-f, then dies before publishing its stations.
    expect(await a.app.app.get(PresenceStore).claimLostReplicas(2_000, 60)).toEqual(['replica-f']);
    for (const p of paused) p.mockRestore();
    expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).length > 0, 10_000)).toBe(true);
    expect(a.events.of(Subjects.OcppStationDisconnected, id)).toEqual([{ stationId: id, replicaId: 'replica-f', disconnectedAt: lastSeenAt, reason: 'replica replica-f lost (no beat for 2 s)' }]);
    expect(await redis.get(keys.presence(id))).toBeNull();
  }, 30_000);

  it('claims a lost replica once (the hash entry gone, the mark set) and touches no record naming another replica', async () => {
    const id = await registered(a);
    const redis = a.app.app.get<Redis>(REDIS);
    const keys = a.app.app.get(RedisKeys);
    const c = await pair.open(a, id);
    await c.call('BootNotification', BOOT);
    const mine = (await connection(a, id))!;
    // replica-d beat long ago and holds nothing any more: the station is on A now.
    await redis.hset(keys.replicaBeats(), 'replica-d', 1);
    const liveness = [a, b].map((h) => h.app.app.get(ReplicaLiveness));
    // (A replica claims nobody in its first OCPP_REPLICA_LOST_S: run alone, this test waits for that.)
    expect(
      await eventually(async () => {
        await Promise.all(liveness.map((l) => l.cleanUpLostPeers()));
        return (await redis.hexists(keys.replicaBeats(), 'replica-d')) === 0;
      }, 8_000),
    ).toBe(true);
    expect(await redis.hexists(keys.replicaBeats(), 'replica-d')).toBe(0);
    expect(await redis.hexists(keys.replicaLostMarks(), 'replica-d')).toBe(1);
    expect((await connection(a, id))?.connectionId).toBe(mine.connectionId);
    expect(a.events.of(Subjects.OcppStationDisconnected, id)).toEqual([]);
  });
});
