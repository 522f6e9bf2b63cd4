/**
 * Runs platform services for benchmarks the way production does: each app as a child process from
 * dist/, with its own database, all on one bus prefix, logs to a temporary file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrl, deleteStreams, dropDatabase, testServers } from '@cpo/testing';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const OPERATOR_KEY = 'bench-operator-key-0123456789';

export interface Service {
  readonly name: string;
  readonly url: string;
  readonly database: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * A setting as deployed: the value of `name` in the ConfigMap of deploy/k8s/base/<app>.yaml, so a
 * benchmark runs the service as production does (Node flags, outbox retention, ...).
 */
export function manifestSetting(app: string, name: string): string | undefined {
  const manifest = readFileSync(join(root, 'deploy/k8s/base', `${app}.yaml`), 'utf8');
  return new RegExp(`^\\s+${name}: (\\S+)`, 'm').exec(manifest)?.[1]?.replace(/^"(.*)"$/, '$1');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `dist/apps/<app>/src/main.js` and waits until `/health/ready` answers 200. */
export async function startService(app: string, o: { prefix: string; suffix: string; env?: Record<string, string> }): Promise<Service> {
  const port = await freePort();
  const database = `${app.replace(/-/g, '_')}_bench_${o.suffix}`;
  const logFile = join(tmpdir(), `bench-${app}-${process.pid}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      DATABASE_URL: databaseUrl(database),
      NATS_URL: testServers.nats,
      NATS_SUBJECT_PREFIX: o.prefix,
      REDIS_URL: testServers.redis,
      MQTT_URL: testServers.mqtt,
      OPERATOR_API_KEY: OPERATOR_KEY,
      ...o.env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const service: Service = {
    name: app,
    url,
    database,
    child,
    logFile,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      await dropDatabase(database).catch(() => undefined);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited at boot:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) return service;
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`${app} not ready in 60 s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await sleep(200);
  }
}

/** A JSON call with the operator key; throws on a non-2xx answer. */
export async function api<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': OPERATOR_KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Connects oscp to the ELMO testbed as its capacity provider: partner, group, register, handshake. */
export async function connectElmo(oscp: string, testbed: string, groupId: string, contractKw: number, stations: string[]): Promise<{ partnerId: string; fpToken: string }> {
  const partner = await api<{ id: string }>(oscp, 'POST', '/api/v1/oscp/partners', {
    name: 'elmo-testbed',
    profile: 'elmo',
    baseUrl: `${testbed}/oscp/2.0`,
    initialToken: 'ELMO-TESTBED-TOKEN',
    ourBaseUrl: `${oscp}/oscp/fp/2.0`,
  });
  await api(oscp, 'PUT', `/api/v1/oscp/partners/${partner.id}/groups/${groupId}`, { contractCapacityKw: contractKw, stations });
  await api(oscp, 'POST', `/api/v1/oscp/partners/${partner.id}/register`);
  const state = async () => (await api<{ state: string }>(oscp, 'GET', `/api/v1/oscp/partners/${partner.id}`)).state;
  await until(async () => (await state()) === 'REGISTER_SENT', 'REGISTER_SENT');
  const log = await api<{ path: string; body: { token: string } }[]>(testbed, 'GET', '/_sim/log?direction=in');
  const fpToken = log.find((e) => e.path === '/oscp/2.0/register')!.body.token;
  const callback = `${oscp}/oscp/fp/2.0`;
  for (const step of ['register', 'handshake']) {
    const r = await api<{ callback_status: number }>(testbed, 'POST', `/trigger-callback/2.0/${step}`, { callback_url: `${callback}/${step}`, header: { authorization: fpToken } });
    if (r.callback_status !== 204) throw new Error(`${step} trigger: ${JSON.stringify(r)}`);
  }
  await until(async () => (await state()) === 'CONNECTED', 'CONNECTED');
  return { partnerId: partner.id, fpToken };
}

export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function cleanupBus(prefix: string): Promise<void> {
  await deleteStreams(prefix).catch(() => undefined);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
