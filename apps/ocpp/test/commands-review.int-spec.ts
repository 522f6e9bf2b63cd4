import { jest } from '@jest/globals';
import { ocppCommandSubject } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { ConnectionEvents } from '../src/connection/connection-events.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import type { StationSession } from '../src/connection/station-session.js';
import { ReservationRepository } from '../src/reservations/reservation.repository.js';
import { api, missClaims, replicaPair, uniqueStation, type OcppHarness } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/** `p`, or `fallback` after `ms`. The timer is cleared either way: left pending it keeps the jest worker alive after the suite. */
async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<F>((r) => (timer = setTimeout(() => r(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the replica has finished with the close of the station's socket (its events recorded or not). */
function detached(h: OcppHarness, stationId: string): Promise<void> {
  const registry = h.app.app.get(SessionRegistry) as unknown as { detach(session: StationSession, reason: string): Promise<void> };
  const detach = registry.detach.bind(registry);
  return new Promise((resolve) => {
    jest.spyOn(registry, 'detach').mockImplementation((session, reason) => {
      const done = detach(session, reason);
      if (session.stationId === stationId) void done.finally(resolve);
      return done;
    });
  });
}

/** The stations whose disconnection the replica records from now on. */
function disconnections(h: OcppHarness): string[] {
  const ids: string[] = [];
  const events = h.app.app.get(ConnectionEvents);
  const record = events.disconnected.bind(events);
  jest.spyOn(events, 'disconnected').mockImplementation((stationId, ...rest) => (ids.push(stationId), record(stationId, ...rest)));
  return ids;
}

const connection = async (h: OcppHarness, id: string) => (await api(h, 'GET', `/api/v1/stations/${encodeURIComponent(id)}`)).body?.connection;

/** Commands routed between two replicas: typed errors, deadlines, replaced sockets. */
describe('OCPP commands across replicas (review)', () => {
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_CALL_TIMEOUT_MS: '1000' });
  let a: OcppHarness;
  let b: OcppHarness;
  beforeAll(() => {
    a = pair.a();
    b = pair.b();
  });
  const open = async (h: OcppHarness, id = uniqueStation()) => ({ id, client: await pair.open(h, id) });
  const command = (h: OcppHarness, stationId: string, action: string, payload: unknown, query = '') =>
    api(h, 'POST', `/api/v1/stations/${encodeURIComponent(stationId)}/commands/${action}${query}`, payload);

  it("a replica's reply the contract cannot read is the central system's failure (500), not the operator's bad request (400)", async () => {
    const id = uniqueStation();
    const nc = await connect({ servers: testServers.nats });
    try {
      // Whatever holds the station answers outside the contract (an older or broken replica).
      nc.subscribe(`${a.app.prefix}.${ocppCommandSubject(id)}`, { callback: (_err, msg) => void msg.respond(JSON.stringify({ status: 'maybe' })) });
      await nc.flush();
      const reply = await command(a, id, 'ClearCache', {});
      expect(reply).toMatchObject({ status: 500, body: { status: 'error', code: 'CentralSystemError' } });
    } finally {
      await nc.close();
    }
  });

  it('a command whose forwarding replica stopped waiting (its hooks were slow) never reaches the charger', async () => {
    const { id, client } = await open(a);
    // Replica A's database is slow: recording the reservation takes longer than B waits (timeoutMs + its bus margin).
    const reservations = a.app.app.get(ReservationRepository);
    const record = reservations.upsertRequested.bind(reservations);
    let recorded!: Promise<boolean>;
    jest.spyOn(reservations, 'upsertRequested').mockImplementationOnce((r) => (recorded = sleep(7_500).then(() => record(r))));
    const reply = await command(b, id, 'ReserveNow', { connectorId: 1, expiryDate: later(3_600_000), idTag: 'TAG-1' }, '?timeoutMs=1000');
    // B's own wait ran out, not the charger's: our replica was slow (503 ReplicaTimeout, not the charger's 504 Timeout).
    expect(reply).toMatchObject({ status: 503, body: { code: 'ReplicaTimeout', mayHaveActed: true } });
    await recorded;
    // B told its caller the command timed out: the charger must not get it afterwards.
    await expect(client.next(2_000)).rejects.toThrow('no frame in time');
  }, 30_000);

  it('an invalid payload is a 400 naming the field also for an offline station, and refuses a bulk command before any station gets it', async () => {
    const offline = await command(a, uniqueStation('GONE'), 'ChangeAvailability', { connectorId: 1, type: 'Sometimes' });
    expect(offline).toMatchObject({ status: 400, body: { code: 'InvalidRequest', description: expect.stringContaining('/type') } });

    const { id, client } = await open(b);
    const bulk = await api(a, 'POST', '/api/v1/commands/bulk', { stationIds: [id, uniqueStation('GONE')], action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Sometimes' } });
    expect(bulk).toMatchObject({ status: 400, body: { message: expect.stringContaining('/type') } });
    await expect(client.next(500)).rejects.toThrow('no frame in time');
  });

  // Last: replica A misses claims from here on.
  it('a socket whose replacement on another replica it never heard of (claim lost) records no disconnection when it closes', async () => {
    missClaims(a);
    const { id, client: first } = await open(a);
    const { client: second } = await open(b, id);
    expect(await eventually(async () => (await connection(a, id))?.replicaId === 'replica-b')).toBe(true);
    const recorded = disconnections(a);
    const done = detached(a, id);
    first.close();
    await done;
    // The station is connected, on B: A's `disconnected` would come after B's `connected` and mark it offline.
    expect(recorded).not.toContain(id);
    expect(await connection(a, id)).toMatchObject({ replicaId: 'replica-b' });
    expect(second.ws.readyState).toBe(second.ws.OPEN);
  });
});

describe('OCPP presence when a session claim is lost (review)', () => {
  const pair = replicaPair({ OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_PRESENCE_TTL_S: '3' });
  let a: OcppHarness;
  let b: OcppHarness;
  beforeAll(() => {
    a = pair.a();
    b = pair.b();
  });
  const open = (h: OcppHarness, id: string) => pair.open(h, id);

  it("an old socket is closed at its next presence refresh once a newer connection's record names the station elsewhere; that record is never overwritten", async () => {
    missClaims(a);
    const id = uniqueStation();
    const first = await open(a, id);
    const second = await open(b, id);
    const onB = await connection(a, id);
    expect(onB).toMatchObject({ replicaId: 'replica-b' });
    const recorded = disconnections(a);
    const done = detached(a, id);
    // A refreshes records older than a third of the TTL (1 s) every half of that.
    const closed = await within(first.closed, 15_000, 'still open');
    expect(closed).toEqual({ code: 4000, reason: expect.stringMatching(/replaced/) });
    await done;
    expect(recorded).not.toContain(id);
    expect(await connection(a, id)).toMatchObject({ replicaId: 'replica-b', connectionId: onB.connectionId });
    expect(second.ws.readyState).toBe(second.ws.OPEN);
  }, 30_000);
});
