/**
 * Boots the oscp service and the ELMO testbed side by side over real HTTP on ephemeral ports,
 * with one manual clock for the Asia/Taipei timeline, and gives the tests small helpers.
 */
import { Subjects, type EventMap } from '@cpo/contracts';
import { NATS_CONNECTION } from '@cpo/messaging';
import { ManualClock } from '@cpo/oscp-protocol';
import { deleteStreams, dropDatabase, eventually, startTestApp, subscribeEvents, type TestApp } from '@cpo/testing';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
// The full seed flow needs the simulator as the peer; a test may boot it, production code never imports it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { AppModule as TestbedApp } from '../../elmo-testbed/src/app.module.js';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadTestbedConfig, type TestbedConfig } from '../../elmo-testbed/src/config.js';
import { AppModule } from '../src/app.module.js';
import { loadOscpConfig, type OscpConfig } from '../src/config.js';
import { migrations } from '../src/migrations/index.js';

/** Parsed JSON answers, asserted with matchers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from the APIs under test
export type Json = any;

export const OPERATOR_KEY = 'test-operator-key-0123456789';

export interface Harness {
  clock: ManualClock;
  oscp: TestApp<OscpConfig>;
  testbed: TestApp<TestbedConfig>;
  forecasts: EventMap[typeof Subjects.CapacityForecastReceived][];
  missed: EventMap[typeof Subjects.CapacityForecastMissed][];
  /** Calls the oscp operator API (of the first replica still running). */
  op(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Calls the testbed (triggers, `/_sim`). */
  sim(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Sets both clocks (oscp's manual clock and the testbed's). */
  setNow(iso: string): Promise<void>;
  /** Configures the testbed as partner, with one group, and runs register → handshake → ack. */
  connect(groupId?: string, contractKw?: number, stations?: string[], profile?: 'elmo' | 'generic'): Promise<{ partnerId: string; fpToken: string }>;
  /** Boots another oscp replica on the same database, bus prefix and clock. */
  startReplica(): Promise<TestApp<OscpConfig>>;
  /** Stops the first replica (its database and streams stay for the others). */
  stopPrimary(): Promise<void>;
  close(): Promise<void>;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function startHarness(options: { start: string; oscpEnv?: Record<string, string>; testbedEnv?: Record<string, string> }): Promise<Harness> {
  const clock = new ManualClock(options.start);
  const testbed = await startTestApp({ loadConfig: loadTestbedConfig, createModule: (c, l) => TestbedApp.forRoot(c, l), database: 'elmo_testbed', env: options.testbedEnv });
  let oscp: TestApp<OscpConfig>;
  const oscpEnv = { OSCP_DISPATCH_INTERVAL_MS: '100', OSCP_HTTP_RETRY_BASE_MS: '50', OSCP_HTTP_TIMEOUT_MS: '2000', OSCP_SCHEDULER_TICK_MS: '100', ...options.oscpEnv };
  const replicas: TestApp<OscpConfig>[] = [];
  let primaryStopped = false;
  try {
    oscp = await startTestApp({ loadConfig: loadOscpConfig, createModule: (c, l) => AppModule.forRoot(c, l, { clock }), database: 'oscp', migrations, env: oscpEnv });
  } catch (err) {
    await testbed.close();
    throw err;
  }
  const forecasts: Harness['forecasts'] = [];
  const missed: Harness['missed'] = [];
  const nc = oscp.app.get<NatsConnection>(NATS_CONNECTION);
  const sub: Subscription = subscribeEvents(nc, `${oscp.prefix}.${Subjects.CapacityForecastReceived}`, (msg) => forecasts.push(msg.json()));
  const missedSub: Subscription = subscribeEvents(nc, `${oscp.prefix}.${Subjects.CapacityForecastMissed}`, (msg) => missed.push(msg.json()));
  const h: Harness = {
    clock,
    oscp,
    testbed,
    forecasts,
    missed,
    op: (method, path, body) => call(primaryStopped ? replicas[0].baseUrl : oscp.baseUrl, method, `/api/v1/oscp${path}`, body, { 'x-api-key': OPERATOR_KEY }),
    sim: (method, path, body) => call(testbed.baseUrl, method, path, body),
    async setNow(iso) {
      clock.set(iso);
      await h.sim('POST', '/_sim/clock', { now: iso });
    },
    async connect(groupId = 'STATION-UID-1', contractKw = 200, stations = [], profile = 'elmo') {
      const created = await h.op('POST', '/partners', {
        name: `testbed-${profile}`,
        profile,
        baseUrl: `${testbed.baseUrl}/oscp/2.0`,
        initialToken: 'ELMO-TESTBED-TOKEN',
        ourBaseUrl: `${oscp.baseUrl}/oscp/fp/2.0`,
      });
      const partnerId: string = created.body.id;
      await h.op('PUT', `/partners/${partnerId}/groups/${groupId}`, { contractCapacityKw: contractKw, stations });
      await h.op('POST', `/partners/${partnerId}/register`);
      await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'REGISTER_SENT', 'REGISTER_SENT');
      const fpToken: string = (await h.sim('GET', '/_sim/log?direction=in')).body.find((e: Json) => e.path === '/oscp/2.0/register').body.token;
      const callback = `${oscp.baseUrl}/oscp/fp/2.0`;
      const reg = await h.sim('POST', '/trigger-callback/2.0/register', { callback_url: `${callback}/register`, header: { authorization: fpToken } });
      if (reg.body.callback_status !== 204) throw new Error(`register trigger: ${JSON.stringify(reg.body)}`);
      const hs = await h.sim('POST', '/trigger-callback/2.0/handshake', { callback_url: `${callback}/handshake`, header: { authorization: fpToken } });
      if (hs.body.callback_status !== 204) throw new Error(`handshake trigger: ${JSON.stringify(hs.body)}`);
      await waitFor(async () => (await h.op('GET', `/partners/${partnerId}`)).body.state === 'CONNECTED', 'CONNECTED');
      return { partnerId, fpToken };
    },
    async startReplica() {
      const replica = await startTestApp({
        loadConfig: loadOscpConfig,
        createModule: (c, l) => AppModule.forRoot(c, l, { clock }),
        database: 'oscp',
        env: { ...oscpEnv, DATABASE_URL: oscp.config.DATABASE_URL, NATS_SUBJECT_PREFIX: oscp.prefix },
      });
      replicas.push(replica);
      return replica;
    },
    async stopPrimary() {
      await sub.drain().catch(() => undefined);
      await missedSub.drain().catch(() => undefined);
      primaryStopped = true;
      await oscp.app.close();
    },
    async close() {
      if (!primaryStopped) {
        await sub.drain().catch(() => undefined);
        await missedSub.drain().catch(() => undefined);
        await oscp.app.close();
      }
      for (const r of replicas) await r.app.close();
      await Promise.all([dropDatabase(oscp.database), deleteStreams(oscp.prefix)]);
      await testbed.close();
    },
  };
  return h;
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (!(await eventually(check, timeoutMs, 50))) throw new Error(`timed out waiting for ${what}`);
}
