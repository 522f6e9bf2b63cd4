import type { Socket } from 'node:net';
import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import WebSocket from 'ws';
import { ConnectionEvents } from '../src/connection/connection-events.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import type { StationSession } from '../src/connection/station-session.js';
import { api, RawClient, replicaPair, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function registered(h: OcppHarness, body: Record<string, unknown> = {}): Promise<string> {
  const id = uniqueStation();
  expect((await api(h, 'PUT', `/api/v1/stations/${id}`, body)).status).toBeLessThan(300);
  return id;
}

async function connection(h: OcppHarness, id: string): Promise<{ connectionId: string; replicaId: string; connectedAt: string; lastSeenAt: string } | null> {
  return (await api(h, 'GET', `/api/v1/stations/${id}`)).body.connection;
}

/** A client that no longer reads: it never answers the close handshake, like a half-open TCP connection. */
function goHalfOpen(client: RawClient): void {
  (client.ws as unknown as { _socket: Socket })._socket.pause();
}

/** Resolves once the replica has finished with the close of this connection (events recorded or not). */
function detachOf(h: OcppHarness, connectionId: string): Promise<void> {
  const registry = h.app.app.get(SessionRegistry) as unknown as { detach(session: StationSession, reason: string): Promise<void> };
  const detach = registry.detach.bind(registry);
  return new Promise((resolve) => {
    jest.spyOn(registry, 'detach').mockImplementation((session, reason) => {
      const done = detach(session, reason);
      if (session.connectionId === connectionId) void done.finally(resolve);
      return done;
    });
  });
}

/** ocpp.station.connected / disconnected of one station, in the order the bus delivered them. */
function connectionEvents(h: OcppHarness, id: string): { subject: string; payload: Record<string, unknown> }[] {
  return h.events.received.filter(
    (e) => e.payload['stationId'] === id && (e.subject === Subjects.OcppStationConnected || e.subject === Subjects.OcppStationDisconnected),
  );
}

describe('OCPP connection layer fixes', () => {
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_PRESENCE_TTL_S: '3', OCPP_CALL_TIMEOUT_MS: '1000' });
  let a: OcppHarness;
  let b: OcppHarness;
  beforeAll(() => {
    a = pair.a();
    b = pair.b();
  });
  const open = (h: OcppHarness, id: string) => pair.open(h, id);

  it('a deeply nested CALL with a NUL is refused as a FormationViolation; the replica and its other chargers carry on', async () => {
    const id = await registered(a);
    const bystander = await open(a, await registered(a));
    const c = await open(a, id);
    const depth = 5000;
    c.send(`[2,"deep-1","Heartbeat",{"x":"\\u0000","y":${'['.repeat(depth)}${']'.repeat(depth)}}]`);
    expect(await c.next()).toEqual([4, 'deep-1', 'FormationViolation', expect.stringContaining('deeper than'), {}]);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await bystander.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
  });

  /**
   * A station booted on replica A whose socket goes half-open, then connects again through `via`;
   * resolves once the old socket (which never answers the close) was terminated, after the new
   * socket's `connected`.
   */
  async function replaceHalfOpen(via: OcppHarness) {
    const id = await registered(a);
    const first = await open(a, id);
    expect(await first.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    const firstConnection = (await connection(a, id))!.connectionId;
    const firstDetached = detachOf(a, firstConnection);
    goHalfOpen(first);
    const second = await open(via, id);
    expect(await second.call('Heartbeat', {})).toEqual([3, expect.any(String), { currentTime: expect.any(String) }]);
    await firstDetached;
    return { id, firstConnection, second };
  }

  it('a half-open socket replaced on the same replica: its late close records no disconnection', async () => {
    const { id, firstConnection, second } = await replaceHalfOpen(a);
    expect((await connection(a, id))?.connectionId).not.toBe(firstConnection);
    expect((await connection(a, id))?.connectionId).toEqual(expect.any(String));
    second.close();
    expect(await eventually(() => connectionEvents(a, id).some((e) => e.subject === Subjects.OcppStationDisconnected))).toBe(true);
    expect(connectionEvents(a, id).map((e) => [e.subject, e.payload['reason']])).toEqual([
      [Subjects.OcppStationConnected, undefined],
      [Subjects.OcppStationConnected, undefined],
      [Subjects.OcppStationDisconnected, expect.stringMatching(/^closed by charger/)],
    ]);
  }, 30_000);

  it('a half-open socket replaced from another replica: its late close records no disconnection', async () => {
    const { id, second } = await replaceHalfOpen(b);
    expect(await connection(a, id)).toMatchObject({ replicaId: 'replica-b' });
    second.close();
    expect(await eventually(() => connectionEvents(a, id).some((e) => e.subject === Subjects.OcppStationDisconnected))).toBe(true);
    expect(connectionEvents(a, id).map((e) => [e.subject, e.payload['replicaId']])).toEqual([
      [Subjects.OcppStationConnected, 'replica-a'],
      [Subjects.OcppStationConnected, 'replica-b'],
      [Subjects.OcppStationDisconnected, 'replica-b'],
    ]);
  }, 30_000);

  it('a connection whose registration failed is undone: no presence, its end recorded, no command responder left behind', async () => {
    const id = await registered(a);
    jest.spyOn(a.app.app.get(ConnectionEvents), 'connected').mockRejectedValueOnce(new Error('database down (simulated)'));
    const failed = await open(a, id);
    expect(await failed.closed).toEqual({ code: 1011, reason: 'internal error' });
    // Undone before the socket was closed: no presence for a connection that is gone, its end recorded.
    expect(await connection(a, id)).toBeNull();
    expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).some((e) => e['reason'] === 'the connection could not be registered'))).toBe(true);
    // The charger reconnects, to replica B this time; a command sent through A must reach it.
    const c = await open(b, id);
    expect(await eventually(async () => (await connection(a, id))?.replicaId === 'replica-b')).toBe(true);
    const reply = api(a, 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
    const frame = (await c.next()) as [number, string, string];
    expect(frame).toEqual([2, expect.any(String), 'ClearCache', {}]);
    c.send([3, frame[1], { status: 'Accepted' }]);
    expect((await reply).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
  });

  it('a station answered Rejected at boot gets no CSMS calls after it reconnects', async () => {
    const id = await registered(a, { registrationStatus: 'Rejected' });
    const first = await open(a, id);
    expect(await first.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Rejected' })]);
    first.close();
    expect(await eventually(async () => (await connection(a, id)) === null)).toBe(true);
    const again = await open(a, id);
    const reply = await api(a, 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
    expect(reply.body).toMatchObject({ status: 'error', code: 'NotAccepted' });
    await expect(again.next(300)).rejects.toThrow('no frame in time');
  });

  it('keeps the presence of an idle connected charger beyond the presence TTL (no ping, no frames)', async () => {
    const id = await registered(a);
    const c = await open(a, id);
    await c.call('BootNotification', BOOT);
    const connected = await connection(a, id);
    expect(connected).not.toBeNull();
    await sleep(4_500); // OCPP_PRESENCE_TTL_S is 3
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await connection(a, id)).toMatchObject({ connectionId: connected!.connectionId });
  }, 20_000);
});

describe('OCPP presence with the server ping on', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_PRESENCE_TTL_S: '3', OCPP_PING_INTERVAL_MS: '400' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('counts pongs as activity: lastSeenAt moves on while the charger sends no frame', async () => {
    const id = await registered(h);
    const c = await RawClient.open(`${h.wsUrl}/${id}`);
    try {
      await c.call('BootNotification', BOOT);
      const booted = Date.now();
      await sleep(4_500);
      expect(c.ws.readyState).toBe(WebSocket.OPEN);
      const seen = await connection(h, id);
      expect(seen).not.toBeNull();
      expect(Date.parse(seen!.lastSeenAt)).toBeGreaterThan(booted + 2_000);
    } finally {
      c.close();
    }
  }, 20_000);
});
