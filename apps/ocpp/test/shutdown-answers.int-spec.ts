import { ocppDataTransferSubject, Subjects } from '@cpo/contracts';
import { HealthController, REDIS } from '@cpo/platform';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const PLUGIN_DELAY_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A replica draining on SIGTERM owes the chargers an answer to the CALLs it already received: a
 * charger resends only its transaction messages, so an Authorize or a DataTransfer whose socket
 * closed under it fails at the charger (a driver's tap refused during a rolling update).
 */
describe('OCPP replica shutdown: CALLs already received are answered before the sockets close', () => {
  let a: OcppHarness;
  let plugins: NatsConnection;
  const clients: RawClient[] = [];
  const env = { OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_DATA_TRANSFER_TIMEOUT_MS: '5000' };

  beforeAll(async () => {
    a = await startOcpp(env);
    plugins = await connect({ servers: testServers.nats });
    // A vendor plug-in that takes its time, as one calling its own backend does.
    plugins.subscribe(`${a.app.prefix}.${ocppDataTransferSubject('com.example.slow')}`, {
      callback: (_err, msg) => void sleep(PLUGIN_DELAY_MS).then(() => msg.respond(JSON.stringify({ status: 'Accepted', data: 'late' }))),
    });
    await plugins.flush();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await plugins.close();
    await a.close();
  });

  it('a DataTransfer being handled when the drain starts gets its answer, then the 1001 close', async () => {
    const b = await startOcpp(env, a);
    const id = uniqueStation();
    expect((await api(a, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    const client = await RawClient.open(`${b.wsUrl}/${id}`);
    clients.push(client);
    // The onboarding reads after the boot are answered at once: no command keeps the drain busy.
    client.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] === 2) client.send([3, frame[1], frame[2] === 'GetConfiguration' ? { configurationKey: [] } : {}]);
    });
    expect(await client.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    const frames: unknown[] = [];
    client.ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    client.send([2, 'dt-1', 'DataTransfer', { vendorId: 'com.example.slow', messageId: 'Ping' }]);
    await sleep(200);
    b.app.app.get(HealthController).markShuttingDown();
    await b.app.app.close();
    expect(await client.closed).toEqual({ code: 1001, reason: 'replica shutting down' });
    expect(frames.filter((f) => Array.isArray(f) && f[1] === 'dt-1')).toEqual([[3, 'dt-1', { status: 'Accepted', data: 'late' }]]);
    await b.events.close();
  });

  it('Redis hanging (no answer, no error) when the replica stops: chargers still get their 1001 within the budget, and their disconnection is recorded', async () => {
    const b = await startOcpp({ ...env, SHUTDOWN_TIMEOUT_MS: '4000' }, a);
    const id = uniqueStation();
    expect((await api(a, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    const client = await RawClient.open(`${b.wsUrl}/${id}`);
    clients.push(client);
    expect(await client.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    // A Redis that stopped answering on an open connection (a failover, a partition): its scripts hang
    // until released at the end of the test.
    const redis = b.app.app.get<Redis>(REDIS);
    const evalNow = redis.eval.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    (redis as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = async (...args) => (await released, evalNow(...args));
    const started = Date.now();
    b.app.app.get(HealthController).markShuttingDown();
    const stopping = b.app.app.close();
    try {
      // The forced exit comes at SHUTDOWN_TIMEOUT_MS; the close frame must come before it.
      const closed = await Promise.race([client.closed, new Promise((resolve) => setTimeout(() => resolve('no close frame before the forced exit'), 4_000))]);
      expect(closed).toEqual({ code: 1001, reason: 'replica shutting down' });
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(await eventually(() => a.events.of(Subjects.OcppStationDisconnected, id).length === 1)).toBe(true);
    } finally {
      release();
      await stopping;
      await b.events.close();
    }
  });
});
