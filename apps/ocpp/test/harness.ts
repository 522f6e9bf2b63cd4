import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Streams } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Conf16, CpAction16, Req16 } from '@cpo/ocpp-protocol';
import { subscribeEvents, testServers, startTestApp, type TestApp } from '@cpo/testing';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { AppModule } from '../src/app.module.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { loadOcppConfig, type OcppConfig } from '../src/config.js';
import { migrations } from '../src/migrations/index.js';

export interface OcppHarness {
  app: TestApp<OcppConfig>;
  /** `ws://127.0.0.1:{port}/ocpp` */
  wsUrl: string;
  db: DataSource;
  events: EventTap;
  close(): Promise<void>;
}

/** Every event the service publishes on the bus, once per event id (core subscription to the run's prefix). */
export class EventTap {
  readonly received: { subject: string; payload: Record<string, unknown> }[] = [];
  private constructor(private readonly nc: NatsConnection) {}

  static async start(prefix: string): Promise<EventTap> {
    const nc = await connect({ servers: testServers.nats });
    const tap = new EventTap(nc);
    // Only the event subjects: a subscription on ocpp.command.* would count as a responder.
    for (const subject of [...Streams.OCPP.subjects, ...Streams.OCPI.subjects]) {
      subscribeEvents(nc, `${prefix}.${subject}`, (msg) => {
        tap.received.push({ subject: msg.subject.slice(prefix.length + 1), payload: JSON.parse(new TextDecoder().decode(msg.data)) as Record<string, unknown> });
      });
    }
    await nc.flush();
    return tap;
  }

  of(subject: string, stationId?: string): Record<string, unknown>[] {
    return this.received.filter((e) => e.subject === subject && (stationId === undefined || e.payload['stationId'] === stationId)).map((e) => e.payload);
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

export async function startOcpp(env: Record<string, string> = {}, replicaOf?: OcppHarness, options: { logDestination?: DestinationStream } = {}): Promise<OcppHarness> {
  const app = await startTestApp({
    loadConfig: loadOcppConfig,
    createModule: (c, l) => AppModule.forRoot(c, l),
    database: 'ocpp',
    migrations,
    env: { OCPP_PING_INTERVAL_MS: '0', OCPP_REPLICA_ID: replicaOf ? 'replica-b' : 'replica-a', ...env },
    replicaOf: replicaOf?.app,
    logDestination: options.logDestination,
  });
  const events = await EventTap.start(app.prefix);
  const db = app.app.get(DataSource);
  return {
    app,
    wsUrl: `${app.baseUrl.replace('http', 'ws')}${app.config.OCPP_PATH_PREFIX}`,
    db,
    events,
    async close() {
      await events.close();
      await app.close();
    },
  };
}

export function uniqueStation(prefix = 'CP'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A bare WebSocket for frame-level tests: send text, read the next frames. */
export class RawClient {
  private readonly inbox: string[] = [];
  private waiters: ((text: string) => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const waiter = this.waiters.shift();
      if (waiter) waiter(text);
      else this.inbox.push(text);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols: string | string[] = 'ocpp1.6', headers: Record<string, string> = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { headers });
      const client = new RawClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(timeoutMs = 5_000): Promise<unknown> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.waiters.push((text) => {
        clearTimeout(timer);
        resolve(JSON.parse(text));
      });
    });
  }

  /** Sends a CALL and returns its answer, skipping the central system's own CALLs in between. */
  async call(action: string, payload: unknown, id: string = randomUUID()): Promise<unknown> {
    this.send([2, id, action, payload]);
    return this.answer();
  }

  /** The next CALLRESULT or CALLERROR (CALLs from the central system are skipped). */
  async answer(timeoutMs = 5_000): Promise<unknown> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (!Array.isArray(frame) || frame[0] !== 2) return frame;
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The HTTP status a WebSocket upgrade gets (101 when it succeeds). */
export function upgradeStatus(url: string, protocols: string | string[] = 'ocpp1.6', headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

/** A charger CALL that must succeed (a CallError throws). */
export async function send<A extends CpAction16>(cp: ChargePoint16, action: A, payload: Req16<A>): Promise<Conf16<A>> {
  return (await cp.call(action, payload, { suppress: false })) as Conf16<A>;
}

/** An operator API call with the test API key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON bodies
export async function api(h: OcppHarness, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${h.app.baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': 'test-operator-key-0123456789', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A charger whose configuration keys are fixed (read-only): it answers GetConfiguration from `keys` and refuses every change. */
export function readOnlyConfiguration(cp: ChargePoint16, keys: Record<string, string>): void {
  const config = Object.entries(keys);
  cp.handle('GetConfiguration', (req) => ({
    configurationKey: config.filter(([k]) => !req.key?.length || req.key.includes(k)).map(([key, value]) => ({ key, value, readonly: true })),
  }));
  cp.handle('ChangeConfiguration', () => ({ status: 'NotSupported' }));
}

/**
 * One replica for a describe block, started before its tests and closed after them: `ocpp()` is its
 * harness, `booted()` a booted charger on it (stopped after each test), `command()` an operator
 * command through its REST API.
 */
export function ocppSuite(env: Record<string, string> = {}) {
  let h: OcppHarness | undefined;
  beforeAll(async () => {
    h = await startOcpp(env);
  });
  afterAll(async () => {
    await h?.close();
  });
  const ocpp = (): OcppHarness => {
    if (!h) throw new Error('the suite\'s replica is not started (used outside a test?)');
    return h;
  };
  const { booted } = testChargers(ocpp);
  const command = (stationId: string, action: string, payload: unknown) => api(ocpp(), 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  return { ocpp, booted, command };
}

/**
 * Chargers a suite opens, each stopped after its test: `booted()` connects one to the harness
 * `harness()` returns (set up by `setup` first, e.g. its handlers) and sends its BootNotification.
 */
export function testChargers(harness: () => OcppHarness) {
  const open: ChargePoint16[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.stop()));
  });
  return {
    async booted(identity = uniqueStation(), setup: (cp: ChargePoint16) => void = () => undefined): Promise<ChargePoint16> {
      const cp = new ChargePoint16({ identity, url: harness().wsUrl, reconnect: false });
      setup(cp);
      open.push(cp);
      void cp.start();
      await cp.waitOpen();
      await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
      return cp;
    },
  };
}

/**
 * Two replicas (`a`, `b`) on one database and bus for a suite, and raw chargers that `open` connects
 * to either, closed after each test (mocks restored too).
 */
export function replicaPair(env: Record<string, string>) {
  let a: OcppHarness | undefined;
  let b: OcppHarness | undefined;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    a = await startOcpp(env);
    b = await startOcpp(env, a);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });
  const started = (h: OcppHarness | undefined): OcppHarness => {
    if (!h) throw new Error("the suite's replicas are not started (used outside a test?)");
    return h;
  };
  return {
    a: () => started(a),
    b: () => started(b),
    async open(h: OcppHarness, id: string): Promise<RawClient> {
      const client = await RawClient.open(`${h.wsUrl}/${id}`);
      clients.push(client);
      return client;
    },
  };
}

/** The replica misses every later session claim, as when core NATS drops one (at most once). */
export function missClaims(h: OcppHarness): void {
  void (h.app.app.get(SessionRegistry) as unknown as { claims: Subscription }).claims.unsubscribe();
}
