/**
 * The platform under the demo: the services it needs (oscp, ocpp, planner) and the ELMO testbed.
 * Services already answering on their ports are used as they are; the missing ones are started
 * with `scripts/start.mjs` (the same launcher as `npm start`, from dist/) and stopped at the end.
 * Also the JSON calls to their operator APIs, with errors a newcomer can act on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// --- HTTP -------------------------------------------------------------------------------------

/** A failure the demo explains and exits non-zero on (no stack trace needed). */
export class DemoError extends Error {}

// Parsed JSON from the services' APIs; each caller picks the fields it shows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON answers
export type Json = any;

export interface Answer {
  status: number;
  body: Json;
}

export const apiKey = (): string => process.env.OPERATOR_API_KEY || 'dev-operator-key-change-me';

/** One call; never throws on an HTTP status (the caller decides), only on a network failure. */
export async function call(base: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-api-key': apiKey(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new DemoError(`${method} ${base}${path}: ${(err as Error).message} (is the service running?)`);
  }
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text for the message */
  }
  return { status: res.status, body: parsed };
}

/** A call that must succeed (2xx); otherwise a DemoError naming the call, status and message. */
export async function ok(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const a = await call(base, method, path, body);
  if (a.status === 401 || a.status === 403) {
    throw new DemoError(`${method} ${base}${path}: ${a.status}. The running service uses another operator key: set OPERATOR_API_KEY to its value.`);
  }
  if (a.status < 200 || a.status >= 300) throw new DemoError(`${method} ${base}${path}: ${a.status} ${messageOf(a.body)}`);
  return a.body;
}

export function messageOf(body: Json): string {
  if (body && typeof body === 'object' && 'message' in body) return String(Array.isArray(body.message) ? body.message.join('; ') : body.message);
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body ?? '').slice(0, 300);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until true; throws a DemoError naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new DemoError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `promise`, or a DemoError naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DemoError(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// --- services ---------------------------------------------------------------------------------

export type ServiceName = 'oscp' | 'ocpp' | 'planner' | 'elmo-testbed';

/** Default ports of the services (apps/<name>/src/config.ts). */
export const PORTS: Record<ServiceName, number> = { oscp: 3001, ocpp: 3002, planner: 3005, 'elmo-testbed': 3010 };

export interface Platform {
  url: Record<ServiceName, string>;
  /** Started by the demo (and stopped by it), as opposed to found running. */
  started: ServiceName[];
  running: ServiceName[];
  logFile?: string;
  stop(): Promise<void>;
}

/**
 * Settings for the services the demo starts: 1-minute compliance windows (group registers sampled
 * every 10 s, so each window has readings at both ends) and a 2 s planning tick
 * so a few minutes show several windows and ramps; 220 V as in Taiwan, like the simulated chargers.
 */
export const DEMO_SERVICE_ENV: Record<string, string> = {
  NODE_ENV: 'development',
  PLANNER_COMPLIANCE_WINDOW_MIN: '1',
  PLANNER_METER_SAMPLE_MS: '10000',
  PLANNER_TICK_MS: '2000',
  PLANNER_DEBOUNCE_MS: '300',
  PLANNER_RAMP_PER_S: '0.2',
  OCPP_NOMINAL_VOLTAGE_V: '220',
  OCPP_PING_INTERVAL_MS: '0',
};

/** The repository root (where scripts/start.mjs lives), from dist/tools/demo or tools/demo. */
export function repositoryRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'scripts', 'start.mjs'))) return dir;
  throw new DemoError('cannot find the repository root (scripts/start.mjs) above the demo');
}

async function ready(url: string): Promise<boolean> {
  return fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.ok,
    () => false,
  );
}

async function answers(url: string): Promise<boolean> {
  return fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) }).then(
    () => true,
    () => false,
  );
}

/** Probes every service; starts the missing ones and waits until all are ready. */
export async function ensurePlatform(report: (line: string) => void, host = '127.0.0.1'): Promise<Platform> {
  const names = Object.keys(PORTS) as ServiceName[];
  const url = Object.fromEntries(names.map((n) => [n, `http://${host}:${PORTS[n]}`])) as Record<ServiceName, string>;
  const up = await Promise.all(names.map((n) => answers(url[n])));
  const running = names.filter((_, i) => up[i]);
  const missing = names.filter((_, i) => !up[i]);
  let child: ChildProcess | undefined;
  let logFile: string | undefined;
  let exited: Promise<void> = Promise.resolve();
  if (running.length > 0) report(`using the running ${running.join(', ')} (${running.map((n) => url[n]).join(', ')}) as they are`);
  if (missing.length > 0) {
    const root = repositoryRoot();
    const notBuilt = missing.filter((n) => !existsSync(join(root, 'dist', 'apps', n, 'src', 'main.js')));
    if (notBuilt.length > 0) throw new DemoError(`not built: ${notBuilt.join(', ')}. Run \`npm run build\` (\`npm run demo\` does it for you).`);
    logFile = join(mkdtempSync(join(tmpdir(), 'cpo-demo-')), 'platform.log');
    const fd = openSync(logFile, 'w');
    report(`starting ${missing.join(', ')} with scripts/start.mjs (logs: ${logFile}) …`);
    // Its own process group: a Ctrl-C reaches the demo only, which then stops the services in order.
    child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), ...missing], {
      cwd: root,
      env: { ...process.env, ...DEMO_SERVICE_ENV },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }
  const platform: Platform = {
    url,
    started: missing,
    running,
    logFile,
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // start.mjs stops the apps gracefully; a second signal after its grace second forces them.
      const done = await Promise.race([exited.then(() => true), sleep(40_000).then(() => false)]);
      if (!done) {
        child.kill('SIGINT');
        await Promise.race([exited, sleep(10_000)]);
      }
    },
  };
  const deadline = Date.now() + 180_000;
  for (const name of missing) {
    for (;;) {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new DemoError(`the services did not start (scripts/start.mjs exited). Last log lines:\n${tail(logFile)}`);
      }
      if (await ready(url[name])) break;
      if (Date.now() > deadline) {
        await platform.stop();
        throw new DemoError(`${name} not ready on ${url[name]} after 180 s. Last log lines:\n${tail(logFile)}`);
      }
      await sleep(500);
    }
  }
  if (missing.length > 0) report(`${missing.join(', ')} ready`);
  return platform;
}

function tail(file: string | undefined, lines = 30): string {
  if (!file) return '';
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
