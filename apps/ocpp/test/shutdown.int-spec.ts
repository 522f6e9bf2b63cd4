import type { Socket } from 'node:net';
import { Subjects } from '@cpo/contracts';
import { HealthController, REDIS } from '@cpo/platform';
import type { Redis } from 'ioredis';
import { eventually } from '@cpo/testing';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What runApp does on SIGTERM (libs/platform bootstrap), without the process exit. */
function drain(h: OcppHarness): Promise<void> {
  h.app.app.get(HealthController).markShuttingDown();
  return h.app.app.close();
}

/** A client that no longer reads: it never answers the close handshake, like a half-open TCP connection. */
function goHalfOpen(client: RawClient): void {
  (client.ws as unknown as { _socket: Socket })._socket.pause();
}

/** Resolves with how long `p` took, or rejects after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)))]);
  clearTimeout(timer);
  return Date.now() - started;
}

/**
 * A replica draining on SIGTERM during a rolling update. Each test drains its own replica B of a
 * long-lived replica A (same database and bus), as the Deployment replaces one pod at a time.
 */
describe('OCPP replica shutdown', () => {
  let a: OcppHarness;
  const clients: RawClient[] = [];
  const env = { OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '1000' };
  const open = async (url: string) => {
    const client = await RawClient.open(url);
    clients.push(client);
    return client;
  };
  const registered = async (): Promise<string> => {
    const id = uniqueStation();
    expect((await api(a, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    return id;
  };

  beforeAll(async () => {
    a = await startOcpp(env);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await a.close();
  });

  it('an upgrade arriving while the replica drains is refused with 503, and the drain ends', async () => {
    const b = await startOcpp(env, a);
    // A half-open charger keeps the drain busy for the close handshake's 5 s.
    const stuck = await open(`${b.wsUrl}/${await registered()}`);
    goHalfOpen(stuck);
    const draining = drain(b);
    await sleep(300);
    // Unready at once: the Service stops routing here.
    expect((await fetch(`${b.app.baseUrl}/health/ready`)).status).toBe(503);
    // Routed here before the endpoint update reached the ingress: refused, so the charger retries
    // elsewhere, rather than accepted on a socket nobody closes (the drain then waited for it until
    // the forced exit, and the charger lost it without a close frame).
    await expect(open(`${b.wsUrl}/${await registered()}`)).rejects.toThrow('HTTP 503');
    await within(draining, 12_000);
    await b.events.close();
  });

  it('chargers moving to another replica: their disconnection from the old one is on the bus before their connection to the new one', async () => {
    const b = await startOcpp(env, a);
    const ids = await Promise.all(Array.from({ length: 20 }, () => registered()));
    const first = await Promise.all(ids.map((id) => open(`${b.wsUrl}/${id}`)));
    // B's Redis slow from here (its presence removal takes 300 ms): the disconnection it records
    // after that must still come before the charger's reconnection to A, whatever the timing.
    const redis = b.app.app.get<Redis>(REDIS);
    const evalNow = redis.eval.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    (redis as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = async (...args) => (await sleep(300), evalNow(...args));
    // A charger reconnects as soon as its socket closes; the ingress sends it to a live replica.
    const moved = first.map((client, i) => client.closed.then(async (close) => ({ close, client: await open(`${a.wsUrl}/${ids[i]}`) })));
    await within(drain(b), 12_000);
    for (const { close } of await Promise.all(moved)) expect(close).toEqual({ code: 1001, reason: 'replica shutting down' });
    const sequence = (id: string) =>
      a.events.received
        .filter((e) => e.payload['stationId'] === id && (e.subject === Subjects.OcppStationConnected || e.subject === Subjects.OcppStationDisconnected))
        .map((e) => `${e.subject === Subjects.OcppStationConnected ? 'connected' : 'disconnected'}@${String(e.payload['replicaId'])}`);
    expect(await eventually(() => ids.every((id) => sequence(id).length === 3))).toBe(true);
    // Consumers keep the last event (the planner counts an offline charger at its full rating): the
    // old replica's `disconnected` must not arrive after the new replica's `connected`.
    for (const id of ids) expect([id, sequence(id)]).toEqual([id, ['connected@replica-b', 'disconnected@replica-b', 'connected@replica-a']]);
    // Stamped in that order too (the planner orders a station's connection events by these times).
    const stamp = (subject: string, id: string) =>
      Date.parse(String(a.events.received.find((e) => e.subject === subject && e.payload['stationId'] === id && e.payload['replicaId'] === (subject === Subjects.OcppStationConnected ? 'replica-a' : 'replica-b'))?.payload[subject === Subjects.OcppStationConnected ? 'connectedAt' : 'disconnectedAt']));
    for (const id of ids) expect(stamp(Subjects.OcppStationDisconnected, id)).toBeLessThanOrEqual(stamp(Subjects.OcppStationConnected, id));
    await b.events.close();
  });

  it('a CALL in flight when the drain starts is committed, and answered only with its result, before the close', async () => {
    const b = await startOcpp(env, a);
    const id = await registered();
    const c = await open(`${b.wsUrl}/${id}`);
    expect(await c.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    const frames: unknown[] = [];
    c.ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    c.send([2, 'start-1', 'StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 100, timestamp: new Date().toISOString() }]);
    await within(drain(b), 12_000);
    expect(await c.closed).toEqual({ code: 1001, reason: 'replica shutting down' });
    const rows: { transaction_id: number }[] = await a.db.query('SELECT transaction_id FROM transactions WHERE station_id = $1', [id]);
    expect(rows).toHaveLength(1);
    // Answered or not (the charger then sends it again), never with an error nor before the commit.
    for (const frame of frames.filter((f) => Array.isArray(f) && f[1] === 'start-1')) {
      expect(frame).toEqual([3, 'start-1', expect.objectContaining({ transactionId: rows[0]!.transaction_id })]);
    }
    await b.events.close();
  });
});
