import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Subjects } from '@cpo/contracts';
import { REDIS } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import type { Redis } from 'ioredis';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Redis of this test only (never the shared one): started, and killed by its own pid, at will. */
class OwnRedis {
  private child?: ChildProcess;
  constructor(readonly port: number) {}

  private get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const answers = () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    if (!(await eventually(answers, 5_000))) throw new Error('redis-server did not start');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

function connectionEvents(h: OcppHarness, id: string): string[] {
  return h.events.received.filter((e) => e.payload['stationId'] === id && (e.subject === Subjects.OcppStationConnected || e.subject === Subjects.OcppStationDisconnected)).map((e) => e.subject);
}

async function registered(h: OcppHarness): Promise<string> {
  const id = uniqueStation();
  expect((await api(h, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
  return id;
}

async function booted(h: OcppHarness, id: string): Promise<RawClient> {
  const client = await RawClient.open(`${h.wsUrl}/${id}`);
  expect(await client.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
  return client;
}

describe('the ocpp service while Redis is down', () => {
  let redis: OwnRedis;
  let h: OcppHarness;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    redis = new OwnRedis(await freePort());
    await redis.start();
    h = await startOcpp({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_COMMAND_TIMEOUT_MS: '1000', OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '1000' });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    // Back up for a clean shutdown (its Redis client quits).
    await redis.start().catch(() => undefined);
    await h?.close();
    await redis.stop();
  }, 120_000);

  it('keeps serving a charger that connects meanwhile, serves the station views without presence, and registers it when Redis is back', async () => {
    const before = await registered(h);
    const during = await registered(h);
    const earlier = await booted(h, before);
    clients.push(earlier);
    expect((await api(h, 'GET', `/api/v1/stations/${before}`)).body).toMatchObject({ connection: { replicaId: 'replica-a' }, connection_known: true });

    await redis.stop();
    const client = h.app.app.get<Redis>(REDIS);
    expect(await eventually(() => client.status !== 'ready', 5_000)).toBe(true);

    const charger = await booted(h, during);
    clients.push(charger);
    let closed = false;
    void charger.closed.then(() => (closed = true));
    // Well past the Redis command timeout (1 s), which used to close the socket (1011).
    await sleep(3_000);
    expect(closed).toBe(false);
    expect(await charger.call('Heartbeat', {})).toEqual([3, expect.any(String), { currentTime: expect.any(String) }]);

    // The database's data, the connection unknown.
    const station = await api(h, 'GET', `/api/v1/stations/${during}`);
    expect(station.status).toBe(200);
    expect(station.body).toMatchObject({ id: during, connection: null, connection_known: false });
    const list = await api(h, 'GET', '/api/v1/stations?limit=500');
    expect(list.status).toBe(200);
    expect(list.body.items.find((s: { id: string }) => s.id === during)).toMatchObject({ connection: null, connection_known: false });

    // This replica knows it holds the socket: a command through it reaches the charger.
    const reply = api(h, 'POST', `/api/v1/stations/${during}/commands/ClearCache`, {});
    // (The onboarding GetConfiguration after the boot went unanswered: it timed out, 1 s.)
    let frame = (await charger.next()) as [number, string, string];
    while (frame[2] !== 'ClearCache') frame = (await charger.next()) as [number, string, string];
    expect(frame).toEqual([2, expect.any(String), 'ClearCache', {}]);
    charger.send([3, frame[1], { status: 'Accepted' }]);
    expect(await reply).toMatchObject({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });

    // Redis restarts empty: both connections are shown again within moments, not at the next refresh (30 s).
    await redis.start();
    const shown = async (id: string) => {
      const { body } = await api(h, 'GET', `/api/v1/stations/${id}`);
      return body.connection_known === true && body.connection?.replicaId === 'replica-a';
    };
    expect(await eventually(async () => (await shown(during)) && (await shown(before)), 8_000)).toBe(true);

    // One `connected` per accepted connection, one `disconnected` when it closes.
    charger.close();
    expect(await eventually(() => connectionEvents(h, during).length === 2, 10_000)).toBe(true);
    await sleep(300);
    expect(connectionEvents(h, during)).toEqual([Subjects.OcppStationConnected, Subjects.OcppStationDisconnected]);
    expect(connectionEvents(h, before)).toEqual([Subjects.OcppStationConnected]);
  }, 60_000);
});
