import { startTestApp, uniqueSuffix, type TestApp } from '@cpo/testing';
import type { TokenPair } from '@cpo/rems-protocol';
import { AppModule } from '../src/app.module.js';
import type { Clock } from '../src/common/clock.js';
import { loadRemsIngestConfig, type RemsIngestConfig } from '../src/config.js';
import { migrations } from '../src/migrations/index.js';

/** Response bodies of the APIs under test: shapes are what the tests assert. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const OPERATOR_KEY = 'test-operator-key-0123456789';

/** A clock the test moves by hand (token expiry without sleeping). */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Jumps to an instant; time keeps running from there. */
  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}

export interface RemsTestApp extends TestApp<RemsIngestConfig> {
  clock: TestClock;
  topicRoot: string;
  /** Device/meter API call; returns status and parsed JSON body. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; raw?: string }): Promise<{ status: number; body: Json; headers: Headers }>;
  /** Operator API call (API key); throws unless 2xx. */
  operator(path: string, body?: unknown): Promise<Json>;
  /** A tenant with one INACTIVE transceiver (and optional module types by port). */
  provision(options?: { tenantAlias?: string; modules?: Record<number, string> }): Promise<{ tenantAlias: string; serialId: string; transceiverId: string }>;
  /** Registers and signs in a provisioned device. */
  connect(device: { tenantAlias: string; serialId: string }): Promise<{ password: string; tokens: TokenPair }>;
}

/** `replicaOf`: a second instance on the same database and bus prefix (close it first). */
export async function startRems(env: Record<string, string> = {}, options: { replicaOf?: RemsTestApp } = {}): Promise<RemsTestApp> {
  const clock = new TestClock();
  const topicRoot = env.REMS_MQTT_TOPIC_ROOT ?? `/t_${uniqueSuffix()}/rems`;
  const t = await startTestApp({
    loadConfig: loadRemsIngestConfig,
    createModule: (config, logger) => AppModule.forRoot(config, logger, { clock }),
    database: 'rems',
    migrations,
    env: { REMS_MQTT_TOPIC_ROOT: topicRoot, REMS_MQTT_SESSION_EXPIRY_SECONDS: '300', ...env },
    replicaOf: options.replicaOf,
  });
  const call: RemsTestApp['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const operator: RemsTestApp['operator'] = async (path, body) => {
    const res = await fetch(`${t.baseUrl}/api/v1/rems/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': OPERATOR_KEY },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: Json = await res.json();
    if (!res.ok) throw new Error(`operator ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const provision: RemsTestApp['provision'] = async (options = {}) => {
    const tenantAlias = options.tenantAlias ?? `tenant${uniqueSuffix()}`;
    await operator('tenants', { alias: tenantAlias, name: tenantAlias }).catch(() => undefined);
    const serialId = `IMEI${uniqueSuffix()}`;
    const { transceiverId } = await operator('transceivers', { tenantAlias, serialId });
    for (const [port, moduleType] of Object.entries(options.modules ?? {})) await operator(`transceivers/${transceiverId}/modules`, { port: Number(port), moduleType });
    return { tenantAlias, serialId, transceiverId };
  };
  const connect: RemsTestApp['connect'] = async ({ tenantAlias, serialId }) => {
    const reg = await call('GET', `/api/v1/device/register/${tenantAlias}/${serialId}`);
    if (reg.status !== 200) throw new Error(`register failed: ${JSON.stringify(reg.body)}`);
    const signIn = await call('POST', '/api/v1/device/auth/sign-in', { body: { serialId, tenantAlias, password: reg.body.data.password } });
    if (signIn.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(signIn.body)}`);
    return { password: reg.body.data.password, tokens: signIn.body.data };
  };
  return { ...t, clock, topicRoot, call, operator, provision, connect };
}

/** The guide's test vectors (§11). */
export const V1 = '1401010000015e003204e200dc001a04e203e7025800000000000f42400000';
export const V3 = '14010200000258001400002ee0017c017c017c00120012001200002cec03de025800000000075bcd150000';
export const V4 = '140101000000dc0096000a00dc0096000a03e7025800000000ffffff0001';
export const V7 = '1401010000015e';
