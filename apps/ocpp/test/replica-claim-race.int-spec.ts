import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import WebSocket from 'ws';
import { PresenceStore } from '../src/connection/presence-store.js';
import type { SessionClaim } from '../src/connection/session-claims.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { api, replicaPair, type OcppHarness, type RawClient, uniqueStation } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROUNDS = 20;

async function registered(h: OcppHarness): Promise<string> {
  const id = uniqueStation();
  expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
  return id;
}

async function connection(h: OcppHarness, id: string): Promise<{ connectionId: string; replicaId: string } | null> {
  return (await api(h, 'GET', `/api/v1/stations/${id}`)).body.connection;
}

/** ocpp.station.connected / disconnected of one station, as `subject replicaId`, in the order the bus delivered them. */
function connectionEvents(h: OcppHarness, id: string): string[] {
  return h.events.received
    .filter((e) => e.payload['stationId'] === id && (e.subject === Subjects.OcppStationConnected || e.subject === Subjects.OcppStationDisconnected))
    .map((e) => `${e.subject} ${e.payload['replicaId'] as string}`);
}

/**
 * The same identity opened at the same moment on two replicas: each attach published its claim
 * before it had seen the other's, and each replica closed its own socket for any claim naming
 * another connection, so both sockets closed (4000), no presence was left and no `disconnected`
 * was ever published. Claims are now ordered by Redis (see PresenceStore.claim): both replicas
 * agree on the newer connection, which alone survives.
 *
 * Events, as for a replacement on one replica: a replaced socket records no `disconnected` (the
 * station is still connected, through the newer socket), so while the survivor is open the
 * station's events are only `connected` (one of them the survivor's replica's); the survivor's own
 * close then records the station's one `disconnected`, from its replica.
 */
describe('the same charger connecting to two replicas at the same moment', () => {
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });

  it(`leaves exactly one socket, named by presence, reachable by commands, with paired events (${ROUNDS} rounds)`, async () => {
    const a = pair.a();
    const b = pair.b();
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id = await registered(a);
      // Either replica first, by 0 to 2 ms: the window in which neither has seen the other's claim.
      const [first, second] = round % 2 ? [b, a] : [a, b];
      const opening = pair.open(first, id);
      if (round % 3) await sleep(round % 3);
      const clients = await Promise.all([opening, pair.open(second, id)]);
      const on = new Map<RawClient, OcppHarness>([[clients[0], first], [clients[1], second]]);
      const isOpen = (c: RawClient) => c.ws.readyState === WebSocket.OPEN;
      await eventually(() => clients.some((c) => !isOpen(c)), 3_000);
      // Long enough for the later claim to reach the other replica too.
      await sleep(300);
      const survivors = clients.filter(isOpen);
      const presence = await connection(a, id);
      if (survivors.length !== 1) {
        const closes = await Promise.all(clients.filter((c) => !isOpen(c)).map((c) => c.closed));
        failures.push(`round ${round}: ${survivors.length} sockets open, closes ${JSON.stringify(closes)}, presence ${presence?.replicaId ?? 'none'}`);
        continue;
      }
      const survivor = survivors[0]!;
      const winner = on.get(survivor)!.app.config.OCPP_REPLICA_ID;
      const loser = clients.find((c) => c !== survivor)!;
      expect(await loser.closed).toEqual({ code: 4000, reason: `replaced by a connection on ${winner}` });
      expect(presence).toMatchObject({ replicaId: winner });

      // A command through either replica reaches the survivor.
      const reply = api(round % 2 ? a : b, 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
      const frame = (await survivor.next()) as [number, string, string];
      expect(frame).toEqual([2, expect.any(String), 'ClearCache', {}]);
      survivor.send([3, frame[1], { status: 'Accepted' }]);
      expect((await reply).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });

      expect(await eventually(() => connectionEvents(a, id).includes(`${Subjects.OcppStationConnected} ${winner}`))).toBe(true);
      await sleep(100);
      expect(connectionEvents(a, id).every((e) => e.startsWith(`${Subjects.OcppStationConnected} `))).toBe(true);
      survivor.close();
      expect(await eventually(() => connectionEvents(a, id).some((e) => e.startsWith(Subjects.OcppStationDisconnected)))).toBe(true);
      await sleep(100);
      const events = connectionEvents(a, id);
      expect(events.filter((e) => e.startsWith(Subjects.OcppStationDisconnected))).toEqual([`${Subjects.OcppStationDisconnected} ${winner}`]);
      expect(events.at(-1)).toBe(`${Subjects.OcppStationDisconnected} ${winner}`);
      expect(await connection(a, id)).toBeNull();
    }
    expect(failures).toEqual([]);
  }, 120_000);

  /**
   * Replica A registers a connection while B's claim comes in: B's, registered in Redis before A's
   * or after it, decides which one stays, on both replicas.
   */
  it.each([
    ['before', 'replica-a'],
    ['after', 'replica-b'],
  ])('a claim from another replica that comes while a connection registers: B registered %s A, %s keeps the station', async (order, winner) => {
    const a = pair.a();
    const b = pair.b();
    const id = await registered(a);
    const registry = a.app.app.get(SessionRegistry) as unknown as { claimed(claim: SessionClaim): void };
    const claimed = jest.spyOn(registry, 'claimed');
    const bClaimReached = () => eventually(() => claimed.mock.calls.some(([c]) => c.stationId === id && c.replicaId === 'replica-b'), 5_000);
    const store = a.app.app.get(PresenceStore);
    const write = store.write.bind(store);
    let onB: Promise<RawClient> | undefined;
    jest.spyOn(store, 'write').mockImplementation(async (session, lastSeen) => {
      if (session.stationId !== id) return write(session, lastSeen);
      onB = pair.open(b, id);
      if (order === 'before') {
        expect(await bClaimReached()).toBe(true);
        return write(session, lastSeen);
      }
      const claim = await write(session, lastSeen);
      expect(await bClaimReached()).toBe(true);
      return claim;
    });
    const onA = await pair.open(a, id);
    expect(await eventually(() => onB !== undefined)).toBe(true);
    const clients = { 'replica-a': onA, 'replica-b': await onB! };
    const loser = winner === 'replica-a' ? 'replica-b' : 'replica-a';
    expect(await clients[loser as keyof typeof clients].closed).toEqual({ code: 4000, reason: `replaced by a connection on ${winner}` });
    await sleep(300);
    expect(clients[winner as keyof typeof clients].ws.readyState).toBe(WebSocket.OPEN);
    expect(await connection(a, id)).toMatchObject({ replicaId: winner });
    expect(await eventually(() => connectionEvents(a, id).includes(`${Subjects.OcppStationConnected} ${winner}`))).toBe(true);
    await sleep(200);
    // A, replaced before it announced its connection, announces nothing; B, replaced after, its `connected` only.
    // (A's and B's `connected`, from two outboxes, may reach the bus in either order.)
    expect(connectionEvents(a, id).sort()).toEqual(winner === 'replica-a' ? [`${Subjects.OcppStationConnected} replica-a`, `${Subjects.OcppStationConnected} replica-b`] : [`${Subjects.OcppStationConnected} replica-b`]);
  }, 30_000);
});
