import type { Socket } from 'node:net';
import { HealthController } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import { CommandDrain } from '../src/connection/command-drain.js';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Commands at a replica that stops during a rolling update: each test stops its own replica B of a
 * long-lived replica A (same database and bus), as in shutdown.int-spec.ts. The charger is on B;
 * operators reach it through A's API (over the bus) or B's own.
 */
describe('OCPP replica shutdown: commands at its chargers drain', () => {
  let a: OcppHarness;
  const clients: RawClient[] = [];
  const env = { OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '10000' };

  /** A registered, booted charger on `h`, and every frame it receives. */
  const charger = async (h: OcppHarness) => {
    const id = uniqueStation();
    expect((await api(a, 'PUT', `/api/v1/stations/${id}`, {})).status).toBeLessThan(300);
    const client = await RawClient.open(`${h.wsUrl}/${id}`);
    clients.push(client);
    // The onboarding read after the boot is answered at once; the test answers its commands itself.
    const calls: unknown[][] = [];
    client.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] !== 2) return;
      if (frame[2] === 'GetConfiguration') client.send([3, frame[1], { configurationKey: [] }]);
      else calls.push(frame);
    });
    expect(await client.call('BootNotification', BOOT)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    return { id, client, calls };
  };
  const remoteStop = (h: OcppHarness, id: string, query = '') => api(h, 'POST', `/api/v1/stations/${id}/commands/RemoteStopTransaction${query}`, { transactionId: 1 });
  /** What runApp does on SIGTERM (libs/platform bootstrap), without the process exit. */
  const sigterm = (h: OcppHarness) => (h.app.app.get(HealthController).markShuttingDown(), h.app.app.close());

  beforeAll(async () => {
    a = await startOcpp(env);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await a.close();
  });

  it("a command at the charger when its replica stops gets the charger's answer (sent 500 ms into the drain); the socket closes after it", async () => {
    const b = await startOcpp(env, a);
    const { id, client, calls } = await charger(b);
    const reply = remoteStop(a, id).then((r) => ({ ...r, at: Date.now() }));
    expect(await eventually(() => calls.length === 1)).toBe(true);
    const [, uniqueId, action] = calls[0]!;
    expect(action).toBe('RemoteStopTransaction');
    const stopping = sigterm(b);
    await sleep(500);
    client.send([3, uniqueId, { status: 'Accepted' }]);
    // Through A's API, over the bus: the charger's answer, not Offline (503).
    const answered = await reply;
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    const closed = client.closed.then((close) => ({ ...close, at: Date.now() }));
    await stopping;
    const close = await closed;
    expect({ code: close.code, reason: close.reason }).toEqual({ code: 1001, reason: 'replica shutting down' });
    expect(close.at).toBeGreaterThanOrEqual(answered.at);
    await b.events.close();
  });

  it('a command arriving while the replica drains is answered 503 at once (its own API and over the bus) and never reaches the charger; the one in flight still gets its answer', async () => {
    const b = await startOcpp(env, a);
    const { id, client, calls } = await charger(b);
    const first = remoteStop(a, id);
    expect(await eventually(() => calls.length === 1)).toBe(true);
    const stopping = sigterm(b);
    expect(await eventually(() => b.app.app.get(CommandDrain).stopping)).toBe(true);
    for (const h of [b, a]) {
      const started = Date.now();
      const late = await remoteStop(h, id);
      expect(late.status).toBe(503);
      expect(late.body).toMatchObject({ code: 'Offline' });
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    client.send([3, calls[0]![1], { status: 'Accepted' }]);
    expect((await first).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    await stopping;
    expect(calls.map((c) => c[2])).toEqual(['RemoteStopTransaction']);
    await b.events.close();
  });

  it('the drain and the close handshake stay within SHUTDOWN_TIMEOUT_MS: a charger that never answers (nor completes the close) is terminated in time, not after ws\'s 30 s', async () => {
    const b = await startOcpp({ ...env, SHUTDOWN_TIMEOUT_MS: '4000' }, a);
    const stuck = await Promise.all([charger(b), charger(b), charger(b)]);
    const commands = stuck.map(({ id }) => remoteStop(a, id, '?timeoutMs=30000'));
    expect(await eventually(() => stuck.every(({ calls }) => calls.length === 1))).toBe(true);
    // From here the chargers read nothing: no answer, no close frame back (a half-open TCP connection).
    for (const { client } of stuck) (client.ws as unknown as { _socket: Socket })._socket.pause();
    const started = Date.now();
    await sigterm(b);
    // Half the budget waiting for the answers, a quarter for the close handshake: time left for the rest.
    expect(Date.now() - started).toBeLessThan(4_000);
    for (const reply of await Promise.all(commands)) expect(reply.status).toBe(503);
    await b.events.close();
  }, 20_000);
});
