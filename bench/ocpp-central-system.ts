/**
 * Benchmark: the OCPP 1.6-J central system (`apps/ocpp`) with simulated chargers on loopback.
 *
 * The service runs as it does in production, as a child process (`node dist/apps/ocpp/src/main.js`)
 * against the real PostgreSQL, NATS JetStream and Redis, with a unique database and bus prefix.
 * This process is only the load generator (plain `ws` clients speaking OCPP-J frames), so the
 * server's event loop, memory (RSS read from /proc) and CPU are its own; the two still share the
 * machine's cores with PostgreSQL and NATS, as a one-box deployment would.
 *
 * Part 1: connections one replica holds while each sends heartbeats. BENCH_CONNECTIONS chargers
 *   connect (auto-registered), boot (answering the onboarding GetConfiguration) and send a
 *   Heartbeat every BENCH_HEARTBEAT_S (random phase) for BENCH_HOLD_S; server RSS before/after.
 * Part 2: sustained MeterValues/StatusNotification CALLs with persistence and events:
 *   BENCH_STATIONS chargers, each in a transaction, one CALL in flight each (OCPP-J), first offered
 *   at BENCH_RATE CALLs/s (open loop: latency counts from the intended send time, so a slow
 *   server cannot hide its queueing) for BENCH_RATE_S, then as fast as answers come (closed loop)
 *   for BENCH_MAX_S, BENCH_ROUNDS times. p50/p99 CALL latency as the charger sees it.
 * Part 3: the same load against a bare `ocpp-rpc` 2.2 server (child process, strict 1.6 schema
 *   validation like ours, no persistence, no events) and the ratio ours/bare. Both fleets stay
 *   connected and the flat-out rounds take turns (ours, bare, ours, …); the ratio is the median of
 *   the rounds that count (see ocpp-ratio.ts).
 *
 * Env: BENCH_PARTS (default 1,2,3; `1b` adds part 1 against the bare server, for its RSS), BENCH_CONNECTIONS (10000), BENCH_CONNECT_CONCURRENCY (200),
 * BENCH_HEARTBEAT_S (20), BENCH_HOLD_S (20), BENCH_STATIONS (1000), BENCH_RATE (2000),
 * BENCH_RATE_S (15), BENCH_MAX_S (10), BENCH_ROUNDS (3), BENCH_WARMUP_S (3), BENCH_STATUS_SHARE (0.25), BENCH_SAMPLES (2, up to 12),
 * BENCH_SOURCE_IPS (source addresses 127.0.0.x, default: 1 per 20,000 connections),
 * BENCH_LOG_LEVEL (server log level, warn), BENCH_CPU_PROF (directory: the ocpp server writes a
 * V8 CPU profile there on exit), BENCH_SERVER_NODE_OPTIONS (NODE_OPTIONS of the ocpp service);
 * OCPP_*, OUTBOX_* and DATABASE_POOL_SIZE are passed on to the service (OUTBOX_RETENTION_HOURS defaults to the manifest's),
 * BENCH_BARE_STRICT (1: ocpp-rpc validates like ours).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { databaseUrl, deleteStreams, dropDatabase, testServers, uniqueSuffix } from '@cpo/testing';
import { RPCServer } from 'ocpp-rpc';
import pg from 'pg';
import { manifestSetting } from './_platform.js';
import { ratioVerdict } from './ocpp-ratio.js';
import { SimCharger, StationLoad } from './ocpp-sim-charger.js';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3').split(',').map((s) => s.trim()));
const CONNECTIONS = num('BENCH_CONNECTIONS', 10_000);
const CONNECT_CONCURRENCY = num('BENCH_CONNECT_CONCURRENCY', 200);
const HEARTBEAT_S = num('BENCH_HEARTBEAT_S', 20);
const HOLD_S = num('BENCH_HOLD_S', 20);
const STATIONS = num('BENCH_STATIONS', 1000);
const RATE = num('BENCH_RATE', 2000);
const RATE_S = num('BENCH_RATE_S', 15);
const MAX_S = num('BENCH_MAX_S', 10);
/** Flat-out rounds per server, taken in turns (ours, bare, ours, …); the ratio is the median of the rounds that count. */
const ROUNDS = Math.max(1, num('BENCH_ROUNDS', 3));
const WARMUP_S = num('BENCH_WARMUP_S', 3);
const STATUS_SHARE = num('BENCH_STATUS_SHARE', 0.25);
/** Sampled values per MeterValues: energy and power, then what a three-phase AC charger adds (up to 12). */
const SAMPLES = Math.min(12, Math.max(2, num('BENCH_SAMPLES', 2)));
const SOURCE_IPS = num('BENCH_SOURCE_IPS', Math.max(1, Math.ceil(CONNECTIONS / 20_000)));
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const BARE_STRICT = (process.env.BENCH_BARE_STRICT ?? '1') === '1';
const CALL_TIMEOUT_MS = 30_000;
/** Share of a core below which the bare server at flat out was held back by other load (see the ratio). */
const BARE_SATURATED = 0.97;
/** Largest difference in machine speed (reference workload) between the two flat-out phases for the ratio to count. */
const SAME_SPEED = 0.1;
const distRoot = fileURLToPath(new URL('..', import.meta.url));
const out = (line = '') => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Small helpers: percentiles, /proc readings, ports, child processes
// ---------------------------------------------------------------------------------------------

function pct(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

class Latencies {
  private values: number[] = [];
  add(ms: number): void {
    this.values.push(ms);
  }
  get count(): number {
    return this.values.length;
  }
  summary() {
    const s = Float64Array.from(this.values).sort();
    const r = (x: number) => Math.round(x * 10) / 10;
    return { count: s.length, p50: r(pct(s, 50)), p90: r(pct(s, 90)), p99: r(pct(s, 99)), max: r(s[s.length - 1] ?? NaN) };
  }
}

/** Resident set size of a process in MB (VmRSS), and its peak (VmHWM). */
function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** CPU seconds (user + system) a process has used. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Busy share of all cores since the previous call (whole machine, everyone's load). */
function machineCpu(): () => number {
  const read = () => {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    const idle = n[3]! + n[4]!;
    return { idle, total: n.reduce((a, b) => a + b, 0) };
  };
  const start = read();
  return () => {
    const end = read();
    return 1 - (end.idle - start.idle) / Math.max(1, end.total - start.total);
  };
}

/**
 * CPU seconds used per process by the PostgreSQL backends serving one database (their process
 * title names it) and by the NATS server: the machine is shared, so per-CALL CPU is the figure
 * that survives other people's load, where CALLs/s does not. Per pid, because pool connections
 * come and go.
 */
function infraCpu(database: string): Map<number, { kind: 'postgres' | 'nats'; cpu: number }> {
  const found = new Map<number, { kind: 'postgres' | 'nats'; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const kind = cmdline.startsWith('postgres: ') && cmdline.includes(` ${database} `) ? 'postgres' : cmdline.includes('nats-server') ? 'nats' : undefined;
      if (kind) found.set(Number(entry), { kind, cpu: cpuSecondsOf(Number(entry)) });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** CPU seconds the infrastructure processes used between two `infraCpu` readings. */
function infraDelta(before: ReturnType<typeof infraCpu>, after: ReturnType<typeof infraCpu>): { postgres: number; nats: number } {
  const sum = { postgres: 0, nats: 0 };
  for (const [pid, a] of after) sum[a.kind] += a.cpu - (before.get(pid)?.cpu ?? 0);
  return sum;
}

function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m?.[1] === 'unlimited' ? Infinity : Number(m?.[1] ?? 1024);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  name: string;
  /** The database whose PostgreSQL backends count as this server's (none for the bare server). */
  database?: string;
  url: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts a child process with a raised open-files limit, its output in a log file. */
function spawnWithLimit(name: string, args: string[], env: NodeJS.ProcessEnv, nofile: number): { child: ChildProcess; logFile: string } {
  const logFile = join(tmpdir(), `bench-ocpp-${name}-${process.pid}.log`);
  const fd = openSync(logFile, 'w');
  // `exec` keeps the pid: /proc readings are the node process's own.
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${nofile} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...args], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { child, logFile };
}

function tail(file: string, bytes = 4000): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buf, 0, buf.length, Math.max(0, size - buf.length));
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

async function stopChild(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${tail(logFile)}`);
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${tail(logFile)}`);
}

async function startOurs(database: string, prefix: string, nofile: number): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    LOG_LEVEL: LOG_LEVEL,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    DATABASE_URL: databaseUrl(database),
    DATABASE_CREATE_IF_MISSING: 'true',
    NATS_URL: testServers.nats,
    NATS_SUBJECT_PREFIX: prefix,
    REDIS_URL: testServers.redis,
    MQTT_URL: testServers.mqtt,
    MQTT_CLIENT_ID: `bench-${prefix}`,
    OPERATOR_API_KEY: 'bench-operator-key-0123456789',
    OCPP_UNKNOWN_STATION_POLICY: 'auto-register',
    OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '500',
    OCPP_UNKNOWN_TOKEN_DEFAULT: 'Accepted',
    // Outbox retention as deployed (0: rows deleted once published).
    ...(manifestSetting('ocpp', 'OUTBOX_RETENTION_HOURS') ? { OUTBOX_RETENTION_HOURS: manifestSetting('ocpp', 'OUTBOX_RETENTION_HOURS') } : {}),
    // Settings of the service to try (OCPP_*, OUTBOX_*, DATABASE_POOL_SIZE) pass through from the bench's env.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OCPP_') || k.startsWith('OUTBOX_') || k === 'DATABASE_POOL_SIZE')),
    // Node flags as deployed (deploy/k8s/base/ocpp.yaml); BENCH_SERVER_NODE_OPTIONS overrides them
    // for experiments (e.g. `--max-old-space-size=…`, an `--import` preload; empty: none).
    ...(serverNodeOptions() ? { NODE_OPTIONS: serverNodeOptions() } : {}),
  };
  const args = [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), join(distRoot, 'apps/ocpp/src/main.js')];
  const { child, logFile } = spawnWithLimit('ours', args, env, nofile);
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok, 60_000, child, logFile);
  return { name: 'ours', database, url: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid!, child, logFile, stop: () => stopChild(child) };
}

/** The service's Node flags: the manifest's NODE_OPTIONS unless the bench's env says otherwise. */
function serverNodeOptions(): string | undefined {
  if (process.env.BENCH_SERVER_NODE_OPTIONS !== undefined) return process.env.BENCH_SERVER_NODE_OPTIONS;
  return manifestSetting('ocpp', 'NODE_OPTIONS');
}

async function startBare(nofile: number): Promise<Server> {
  const port = await freePort();
  const { child, logFile } = spawnWithLimit('bare', [fileURLToPath(import.meta.url), '--bare-server', String(port)], { ...process.env }, nofile);
  await waitUntil(async () => tail(logFile, 200).includes('READY'), 30_000, child, logFile);
  return { name: 'bare ocpp-rpc', url: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid!, child, logFile, stop: () => stopChild(child) };
}

/** Part 3's comparison server: ocpp-rpc answering the same actions, nothing stored. */
async function bareServer(port: number): Promise<void> {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: BARE_STRICT });
  let transactionId = 0;
  server.on('client', (client) => {
    client.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }));
    client.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    client.handle('StatusNotification', () => ({}));
    client.handle('MeterValues', () => ({}));
    client.handle('StartTransaction', () => ({ transactionId: ++transactionId, idTagInfo: { status: 'Accepted' } }));
  });
  await server.listen(port, '127.0.0.1');
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => void server.close({ force: true, awaitPending: false }).finally(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------
// Fleets of simulated chargers (ocpp-sim-charger.ts)
// ---------------------------------------------------------------------------------------------

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

const BOOT = { chargePointVendor: 'Bench', chargePointModel: 'Sim-1', firmwareVersion: '1.0.0' };

interface Fleet {
  chargers: SimCharger[];
  failed: number;
  /** WebSocket upgrades per second (admission incl. auto-registration, presence, connected event). */
  openPerS: number;
  /** BootNotifications per second (incl. the onboarding GetConfiguration the service sends). */
  bootPerS: number;
  seconds: number;
}

/** Connects all `n` chargers, then boots them: the two rates are reported apart. */
async function connectFleet(url: string, prefix: string, n: number, concurrency: number): Promise<Fleet> {
  const chargers = Array.from({ length: n }, (_, i) => new SimCharger(`${prefix}-${i}`, CALL_TIMEOUT_MS, SOURCE_IPS > 1 ? `127.0.0.${1 + (i % SOURCE_IPS)}` : undefined));
  const opened: SimCharger[] = [];
  const ok: SimCharger[] = [];
  let failed = 0;
  let lastError = '';
  const fail = (c: SimCharger, err: unknown) => {
    failed += 1;
    lastError = (err as Error).message;
    c.close();
  };
  const started = performance.now();
  await pool(chargers, concurrency, async (c) => {
    try {
      await c.open(url);
      opened.push(c);
    } catch (err) {
      fail(c, err);
    }
  });
  const openS = (performance.now() - started) / 1000;
  const bootStarted = performance.now();
  await pool(opened, concurrency, async (c) => {
    try {
      const boot = await c.call('BootNotification', BOOT);
      if (!boot.ok || (boot.payload as { status?: string }).status !== 'Accepted') throw new Error(`boot: ${JSON.stringify(boot.payload)}`);
      ok.push(c);
    } catch (err) {
      fail(c, err);
    }
  });
  const bootS = (performance.now() - bootStarted) / 1000;
  if (failed) out(`  ${failed} chargers failed to connect/boot (last error: ${lastError})`);
  return { chargers: ok, failed, openPerS: Math.round(opened.length / openS), bootPerS: Math.round(ok.length / bootS), seconds: openS + bootS };
}

// ---------------------------------------------------------------------------------------------
// Part 1: connections with heartbeats
// ---------------------------------------------------------------------------------------------

interface ConnectionsResult {
  target: number;
  connected: number;
  failed: number;
  openPerS: number;
  bootPerS: number;
  stillOpen: number;
  heartbeats: ReturnType<Latencies['summary']>;
  heartbeatErrors: number;
  rssIdleMb: number;
  rssMb: number;
  peakMb: number;
  kbPerConnection: number;
}

async function partConnections(server: Server): Promise<ConnectionsResult> {
  out(`part 1: ${CONNECTIONS} connections to ${server.name}, a Heartbeat every ${HEARTBEAT_S} s each, held ${HOLD_S} s`);
  const idle = rssOf(server.pid);
  const fleet = await connectFleet(server.url, `HB${uniqueSuffix()}`, CONNECTIONS, CONNECT_CONCURRENCY);
  out(
    `  connected and booted ${fleet.chargers.length} in ${fleet.seconds.toFixed(1)} s (upgrades ${fleet.openPerS}/s, then BootNotifications ${fleet.bootPerS}/s, ${CONNECT_CONCURRENCY} at a time); server RSS ${rssOf(server.pid).rssMb} MB`,
  );
  const lat = new Latencies();
  let errors = 0;
  let holding = true;
  const loops = fleet.chargers.map(async (c) => {
    await sleep(Math.random() * HEARTBEAT_S * 1000);
    while (holding) {
      const t = performance.now();
      const r = await c.call('Heartbeat', {});
      if (r.ok) lat.add(performance.now() - t);
      else errors += 1;
      await sleep(HEARTBEAT_S * 1000);
    }
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server.pid).rssMb)), 1000);
  await sleep(HOLD_S * 1000);
  const held = rssOf(server.pid);
  const stillOpen = fleet.chargers.filter((c) => c.isOpen).length;
  holding = false;
  clearInterval(sampler);
  for (const c of fleet.chargers) c.close();
  // The loops end at their next wake-up: do not wait for them (they sleep up to HEARTBEAT_S).
  void Promise.all(loops);
  const result: ConnectionsResult = {
    target: CONNECTIONS,
    connected: fleet.chargers.length,
    failed: fleet.failed,
    openPerS: fleet.openPerS,
    bootPerS: fleet.bootPerS,
    stillOpen,
    heartbeats: lat.summary(),
    heartbeatErrors: errors,
    rssIdleMb: idle.rssMb,
    rssMb: Math.max(peak, held.rssMb),
    peakMb: held.peakMb,
    kbPerConnection: Math.round(((Math.max(peak, held.rssMb) - idle.rssMb) * 1024) / Math.max(1, fleet.chargers.length)),
  };
  out(
    `  held ${stillOpen}/${CONNECTIONS} open; ${result.heartbeats.count} heartbeats answered (p50 ${result.heartbeats.p50} ms, p99 ${result.heartbeats.p99} ms, ${errors} errors); ` +
      `server RSS ${result.rssIdleMb} MB idle → ${result.rssMb} MB (peak ${result.peakMb} MB, ≈ ${result.kbPerConnection} kB per connection)` +
      `  [target 10,000: ${stillOpen >= 10_000 ? 'met' : CONNECTIONS < 10_000 ? 'not tested' : 'MISSED'}]`,
  );
  await sleep(2000); // let the server record the disconnections before the next part
  return result;
}

// ---------------------------------------------------------------------------------------------
// Part 2/3: sustained MeterValues/StatusNotification
// ---------------------------------------------------------------------------------------------

interface PhaseResult {
  offeredPerS: number | null;
  callsPerS: number;
  calls: number;
  errors: number;
  latency: ReturnType<Latencies['summary']>;
  serverCpu: number;
  machineCpu: number;
  /** Unsent CALLs when the phase ended (open loop only: the server fell behind the offer). */
  backlog: number;
  /** `speedProbe()` every second of the phase, the median. */
  probeCpuMs: number;
  /** CPU milliseconds per answered CALL: service, its PostgreSQL backends, NATS, load generator. */
  cpuMsPerCall: { server: number; postgres: number; nats: number; loadgen: number };
  /**
   * Outbox rows not yet published when the phase ended (ours only). A publisher that falls behind
   * does part of the phase's work after it, so its rate and CPU per CALL would look better than a
   * sustainable one; a growing number here means the rate is not sustained.
   */
  eventsBehind?: number;
}

interface LoadResult {
  server: string;
  stations: number;
  fixed: PhaseResult;
  /** The median flat-out round. */
  max: PhaseResult;
  rounds: PhaseResult[];
  rssMb: number;
}

/** Frames of the kind the bench sends, for the reference workload. */
const PROBE_FRAME = JSON.stringify([2, '1', 'MeterValues', { connectorId: 1, transactionId: 1, meterValue: [{ timestamp: new Date(0).toISOString(), sampledValue: [{ value: '1', measurand: 'Energy.Active.Import.Register' }] }] }]);

/**
 * The CPU time (ms) a fixed piece of JavaScript takes now, about 2 ms: the machine's speed, whoever
 * else runs (CPU time, so waiting for a core does not count). Taken every second of a phase, it
 * shows what CPU per CALL figures alone cannot tell apart: this shared VM's speed drifts by tens of
 * percent within minutes, and a bare server that ran on a slower machine than ours makes a
 * flattering ratio.
 */
function speedProbe(): number {
  const c0 = process.cpuUsage();
  let n = 0;
  for (let i = 0; i < 2_000; i++) n += (JSON.parse(PROBE_FRAME) as unknown[]).length + JSON.stringify([3, String(i), {}]).length;
  if (n === 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

async function runPhase(server: Server, stations: StationLoad[], seconds: number, rate: number | null): Promise<PhaseResult> {
  const lat = new Latencies();
  let errors = 0;
  let calls = 0;
  let backlog = 0;
  const cpu0 = cpuSecondsOf(server.pid);
  const infra0 = server.database ? infraCpu(server.database) : new Map();
  const own0 = process.cpuUsage();
  const machine = machineCpu();
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const probes: number[] = [];
  const prober = setInterval(() => probes.push(speedProbe()), 1000);
  const send = async (s: StationLoad, intendedAt: number) => {
    const r = await s.charger.send(s.next());
    if (r.ok) lat.add(performance.now() - intendedAt);
    else errors += 1;
    calls += 1;
  };
  if (rate === null) {
    // Closed loop: each station sends its next CALL as soon as the previous one is answered.
    await Promise.all(
      stations.map(async (s) => {
        while (performance.now() < stopAt) await send(s, performance.now());
      }),
    );
  } else {
    // Open loop at a fixed total rate: every station has its own period and a random phase; a
    // CALL due while the previous one is unanswered waits for it (OCPP-J) but its latency counts
    // from when it was due. CALLs still unsent a second after the end count as backlog, with their
    // waiting time so far as latency (a lower bound), so an overloaded server cannot look fast.
    const period = (stations.length / rate) * 1000;
    await Promise.all(
      stations.map(async (s) => {
        let due = started + Math.random() * period;
        while (due < stopAt) {
          // libuv timers count whole milliseconds from the loop's cached clock, so one may fire a
          // little before `due`; sending early made sub-millisecond answers show negative latency.
          for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await sleep(Math.ceil(wait));
          // A second of grace for timers firing late on a busy machine; after it, the rest is backlog.
          const now = performance.now();
          if (now >= stopAt + 1000) {
            for (; due < stopAt; due += period, backlog += 1) lat.add(now - due);
            break;
          }
          await send(s, due);
          due += period;
        }
      }),
    );
  }
  clearInterval(prober);
  const elapsed = (performance.now() - started) / 1000;
  const serverCpu = cpuSecondsOf(server.pid) - cpu0;
  const infra = server.database ? infraDelta(infra0, infraCpu(server.database)) : { postgres: 0, nats: 0 };
  const own = process.cpuUsage(own0);
  const eventsBehind = server.database ? await unpublishedEvents(server.database) : undefined;
  const perCall = (cpuS: number) => Math.round(((cpuS * 1000) / Math.max(1, calls - errors)) * 1000) / 1000;
  return {
    offeredPerS: rate,
    callsPerS: Math.round(calls / elapsed),
    calls,
    errors,
    backlog,
    latency: lat.summary(),
    serverCpu: Math.round((serverCpu / elapsed) * 100) / 100,
    machineCpu: Math.round(machine() * 100) / 100,
    cpuMsPerCall: {
      server: perCall(serverCpu),
      postgres: perCall(infra.postgres),
      nats: perCall(infra.nats),
      loadgen: perCall((own.user + own.system) / 1e6),
    },
    eventsBehind,
    probeCpuMs: Math.round(pct(probes.sort((a, b) => a - b), 50) * 1000) / 1000,
  };
}

/** Events committed but not yet on JetStream, from both outbox tables (the `outbox_events` view). */
const UNPUBLISHED_EVENTS = `SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL`;

async function unpublishedEvents(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return Number((await client.query(UNPUBLISHED_EVENTS)).rows[0].n);
  } finally {
    await client.end();
  }
}

/** A fleet in transactions on one server, warmed up and measured at the fixed rate; its flat-out rounds follow. */
interface Loaded {
  server: Server;
  stations: StationLoad[];
  fixed: PhaseResult;
  rounds: PhaseResult[];
  close(): void;
}

async function prepareLoad(server: Server): Promise<Loaded> {
  out(`${server.name}: ${STATIONS} stations, each in a transaction, one CALL in flight (MeterValues with ${SAMPLES} sampled values, ${Math.round(STATUS_SHARE * 100)} % StatusNotification)`);
  const fleet = await connectFleet(server.url, `LD${uniqueSuffix()}`, STATIONS, 100);
  const stations: StationLoad[] = [];
  await pool(fleet.chargers, 100, async (c, i) => {
    await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: new Date().toISOString() });
    const start = await c.call('StartTransaction', { connectorId: 1, idTag: `TAG${i}`, meterStart: 0, timestamp: new Date().toISOString() });
    const transactionId = (start.payload as { transactionId?: number } | undefined)?.transactionId;
    if (!start.ok || typeof transactionId !== 'number') throw new Error(`StartTransaction failed: ${JSON.stringify(start.payload)}`);
    stations.push(new StationLoad(c, transactionId, SAMPLES, STATUS_SHARE));
  });
  await runPhase(server, stations, WARMUP_S, null);
  const fixed = await runPhase(server, stations, RATE_S, RATE);
  out(`  offered ${RATE}/s for ${RATE_S} s: ${describePhase(server, fixed)}`);
  return { server, stations, fixed, rounds: [], close: () => fleet.chargers.forEach((c) => c.close()) };
}

/** One flat-out phase of `l`; `idle` are the other loads' servers, whose CPU meanwhile is shown (it should be next to none). */
async function flatOutRound(l: Loaded, round: number, idle: Server[]): Promise<void> {
  const idle0 = idle.map((s) => cpuSecondsOf(s.pid));
  const max = await runPhase(l.server, l.stations, MAX_S, null);
  const idleCpu = idle.map((s, i) => `${s.name} ${Math.round(((cpuSecondsOf(s.pid) - idle0[i]!) / MAX_S) * 100)} %`);
  l.rounds.push(max);
  out(
    `  ${l.server.name}, flat out for ${MAX_S} s${ROUNDS > 1 ? ` (round ${round})` : ''}: ${describePhase(l.server, max)}; reference workload ${max.probeCpuMs} ms of CPU (machine speed during the phase)` +
      (idleCpu.length ? `; idle meanwhile: ${idleCpu.join(', ')} of a core` : ''),
  );
}

function describePhase(server: Server, p: PhaseResult): string {
  return (
    `${p.callsPerS} CALLs/s (${p.calls} CALLs, ${p.errors} errors${p.backlog ? `, ${p.backlog} still unsent at the end` : ''}), latency p50 ${p.latency.p50} ms, p90 ${p.latency.p90} ms, p99 ${p.latency.p99} ms, max ${p.latency.max} ms; ` +
    `server CPU ${Math.round(p.serverCpu * 100)} % of a core, machine ${Math.round(p.machineCpu * 100)} % busy; CPU ms per CALL: server ${p.cpuMsPerCall.server}` +
    (server.database ? `, PostgreSQL ${p.cpuMsPerCall.postgres}, NATS ${p.cpuMsPerCall.nats}` : '') +
    `, load generator ${p.cpuMsPerCall.loadgen}` +
    (p.eventsBehind !== undefined ? `; ${p.eventsBehind} events not yet on JetStream when it ended` : '')
  );
}

/** The summary's view of a load: its flat-out figure is the median round (by rate). */
function resultOf(l: Loaded): LoadResult {
  const byRate = [...l.rounds].sort((a, b) => a.callsPerS - b.callsPerS);
  return { server: l.server.name, stations: l.stations.length, fixed: l.fixed, max: byRate[(byRate.length - 1) >> 1]!, rounds: l.rounds, rssMb: rssOf(l.server.pid).rssMb };
}

/** Everything the ocpp service stored and published for part 2, read from its database. */
async function persisted(database: string): Promise<{ meterRows: number; events: number; unpublished: number }> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    const deadline = Date.now() + 30_000;
    let unpublished = 0;
    do {
      unpublished = Number((await client.query(UNPUBLISHED_EVENTS)).rows[0].n);
      if (unpublished === 0) break;
      await sleep(250);
    } while (Date.now() < deadline);
    const meterRows = Number((await client.query(`SELECT count(*) AS n FROM meter_samples`)).rows[0].n);
    // Events still in the outbox: all of them when published rows are kept, none once published with OUTBOX_RETENTION_HOURS=0.
    const events = Number((await client.query(`SELECT count(*) AS n FROM outbox_events`)).rows[0].n);
    return { meterRows, events, unpublished };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const needFiles = Math.max(CONNECTIONS, STATIONS) + 2048;
  if (openFilesLimit() < needFiles && !process.env.BENCH_REEXEC) {
    // Node cannot raise its own limit beyond the hard one: re-run under a raised `ulimit -n`.
    const child = spawn('/bin/sh', ['-c', `ulimit -n ${needFiles} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, BENCH_REEXEC: '1' } });
    const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
    process.exit(code);
  }
  if (openFilesLimit() < needFiles) out(`warning: open-files limit ${openFilesLimit()} < ${needFiles}; raise it (ulimit -n) or lower BENCH_CONNECTIONS`);

  const suffix = uniqueSuffix();
  const database = `ocpp_bench_${suffix}`;
  const prefix = `bench_${suffix}`;
  let ours: Server | undefined;
  let bare: Server | undefined;
  const cleanup = async () => {
    await ours?.stop().catch(() => undefined);
    await bare?.stop().catch(() => undefined);
    await dropDatabase(database).catch(() => undefined);
    await deleteStreams(prefix).catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  out(`ocpp central system benchmark — ${new Date().toISOString()}, node ${process.version}, load average before: ${loadBefore}`);

  let connections: ConnectionsResult | undefined;
  let oursLoad: LoadResult | undefined;
  let bareLoad: LoadResult | undefined;
  let bareConnections: ConnectionsResult | undefined;
  let stored: Awaited<ReturnType<typeof persisted>> | undefined;
  try {
    if (PARTS.has('1') || PARTS.has('2')) {
      ours = await startOurs(database, prefix, needFiles);
      out(`ocpp service pid ${ours.pid} (log: ${ours.logFile}), RSS at start ${rssOf(ours.pid).rssMb} MB`);
      if (PARTS.has('1')) connections = await partConnections(ours);
    }
    if (PARTS.has('3') || PARTS.has('1b')) {
      bare = await startBare(needFiles);
      if (PARTS.has('1b')) {
        out('part 1b: the connections of part 1 against the bare ocpp-rpc server, for its RSS');
        bareConnections = await partConnections(bare);
      }
    }
    // Both fleets stay connected, and their flat-out rounds take turns (ours, bare, ours, …), so both
    // servers meet the same stretches of this machine; the idle one costs next to nothing meanwhile.
    let oursLoaded: Loaded | undefined;
    let bareLoaded: Loaded | undefined;
    if (PARTS.has('2') && ours) {
      out('part 2: sustained CALLs with persistence and events');
      oursLoaded = await prepareLoad(ours);
    }
    if (PARTS.has('3') && bare) {
      out(`part 3: the same load against a bare ocpp-rpc server (strict validation ${BARE_STRICT ? 'on' : 'off'}, answers only)`);
      bareLoaded = await prepareLoad(bare);
    }
    const loaded = [oursLoaded, bareLoaded].filter((l): l is Loaded => l !== undefined);
    if (loaded.length) out(`flat out: ${ROUNDS} round(s) of ${MAX_S} s each, ${loaded.map((l) => l.server.name).join(' then ')}`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const l of loaded) await flatOutRound(l, round, loaded.filter((o) => o !== l).map((o) => o.server));
    }
    for (const l of loaded) l.close();
    oursLoad = oursLoaded && resultOf(oursLoaded);
    bareLoad = bareLoaded && resultOf(bareLoaded);
    if (oursLoaded) {
      stored = await persisted(database);
      out(`  stored: ${stored.meterRows} sampled values stored (meter_samples), ${stored.events} outbox rows kept (${stored.unpublished} not yet on JetStream 30 s after the end)`);
    }
  } finally {
    await cleanup();
  }

  out();
  out(`summary (load average now: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; 2 cores shared with PostgreSQL, NATS, Redis and anyone else's work)`);
  const rows: [string, string, string][] = [];
  if (connections)
    rows.push(
      ['connections held with heartbeats (1 replica)', `${connections.stillOpen} of ${connections.target}`, connections.stillOpen >= 10_000 ? 'target 10,000 met' : CONNECTIONS < 10_000 ? `target 10,000 not tested (BENCH_CONNECTIONS ${CONNECTIONS})` : 'target 10,000 MISSED'],
      ['  server RSS idle → loaded', `${connections.rssIdleMb} → ${connections.rssMb} MB`, `≈ ${connections.kbPerConnection} kB/connection`],
      ['  heartbeat latency p50 / p99', `${connections.heartbeats.p50} / ${connections.heartbeats.p99} ms`, `${connections.heartbeats.count} answered, ${connections.heartbeatErrors} errors`],
      ['  upgrade rate, then boot rate', `${connections.openPerS}/s, ${connections.bootPerS}/s`, `${CONNECT_CONCURRENCY} in flight`],
    );
  if (bareConnections)
    rows.push([
      'bare ocpp-rpc: connections held, RSS idle → loaded',
      `${bareConnections.stillOpen}, ${bareConnections.rssIdleMb} → ${bareConnections.rssMb} MB`,
      `≈ ${bareConnections.kbPerConnection} kB/connection`,
    ]);
  for (const l of [oursLoad, bareLoad]) {
    if (!l) continue;
    const met = RATE >= 2000 && l.fixed.callsPerS >= 0.97 * RATE && l.fixed.backlog === 0 && l.fixed.latency.p99 < 100;
    const ok = l === oursLoad ? (RATE < 2000 ? `target not tested (BENCH_RATE ${RATE})` : met ? 'target met' : 'target MISSED') : '';
    rows.push(
      [`${l.server}: ${RATE}/s offered, ${l.stations} stations`, `${l.fixed.callsPerS}/s, p50 ${l.fixed.latency.p50} ms, p99 ${l.fixed.latency.p99} ms`, l === oursLoad ? `${ok} (≥ 2,000/s, p99 < 100 ms)` : ''],
      [
        `${l.server}: flat out`,
        `${l.max.callsPerS}/s, p50 ${l.max.latency.p50} ms, p99 ${l.max.latency.p99} ms`,
        `server CPU ${Math.round(l.max.serverCpu * 100)} %, RSS ${l.rssMb} MB` + (l.max.eventsBehind !== undefined ? `, ${l.max.eventsBehind} events behind at the end` : ''),
      ],
      [
        `${l.server}: CPU ms per CALL (flat out)`,
        `server ${l.max.cpuMsPerCall.server}` + (l === oursLoad ? ` + PostgreSQL ${l.max.cpuMsPerCall.postgres} + NATS ${l.max.cpuMsPerCall.nats}` : ''),
        `load generator ${l.max.cpuMsPerCall.loadgen}`,
      ],
    );
  }
  let ratio: number | undefined;
  if (oursLoad && bareLoad) {
    const verdict = ratioVerdict(oursLoad.rounds, bareLoad.rounds, { bareSaturated: BARE_SATURATED, sameSpeed: SAME_SPEED });
    ratio = verdict.ratio;
    verdict.rounds.forEach((r, i) =>
      rows.push([`  round ${i + 1}: ours / bare`, `${oursLoad!.rounds[i]!.callsPerS} / ${bareLoad!.rounds[i]!.callsPerS} = ${r.ratio.toFixed(2)}`, r.caveats.length ? `not counted: ${r.caveats.join('; ')}` : 'counted']),
    );
    const figure = verdict.ratio === undefined ? 'none' : verdict.ratio.toFixed(2);
    rows.push([
      'ratio ours / bare (flat out, median of counted rounds)',
      figure,
      `${verdict.met ? 'target ≥ 0.5 met' : 'target ≥ 0.5 MISSED'} (${verdict.counted} of ${ROUNDS} rounds counted${verdict.counted >= verdict.needed ? '' : `; a verdict needs ${verdict.needed}`})`,
    ]);
    const cpuRatio = bareLoad.max.cpuMsPerCall.server / (oursLoad.max.cpuMsPerCall.server + oursLoad.max.cpuMsPerCall.postgres + oursLoad.max.cpuMsPerCall.nats);
    rows.push(['  CPU-cost ratio bare server / (ours + PostgreSQL + NATS)', cpuRatio.toFixed(2), 'the same ratio in CPU per CALL, less sensitive to other load']);
    // What each server process costs a core per CALL: the ratio one replica would reach with a core to
    // itself and PostgreSQL, NATS and the chargers on other machines, as deployed, if it could keep
    // that core busy. Shown for reading the figures above; the target is the measured ratio.
    const coreRatio = bareLoad.max.cpuMsPerCall.server / oursLoad.max.cpuMsPerCall.server;
    rows.push(['  per-core ratio bare server / ours (server processes only)', coreRatio.toFixed(2), 'CPU per CALL of the two server processes alone; not the target']);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) out(`  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  out(JSON.stringify({ connections, bareConnections, ours: oursLoad, bare: bareLoad, ratio, stored }));
  // Heartbeat loops of part 1 may still be asleep: nothing else is pending.
  process.exit(0);
}

const bareAt = process.argv.indexOf('--bare-server');
if (bareAt >= 0) await bareServer(Number(process.argv[bareAt + 1]));
else
  await main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
