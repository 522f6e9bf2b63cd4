/** The two servers under load, each a child process: our ocpp service and the bare ocpp-rpc server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { databaseUrl, testServers } from '@cpo/testing';
import { freePort, manifestSetting, OPERATOR_KEY, sleep } from '../_platform.js';
import { CPU_PROF, distRoot, HEAP_PROBE, LOG_LEVEL } from './settings.js';

export interface Server {
  name: string;
  /** The database whose PostgreSQL backends count as this server's (none for the bare server). */
  database?: string;
  url: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Whether it answers SIGUSR2 with its heap after a full GC (heap-probe.ts, BENCH_HEAP_PROBE=1). */
  heapProbe?: boolean;
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

/** A replica of part 1a: its own name (log file), extra environment, and Node flags added after the deployed ones. */
export interface ReplicaOptions {
  name?: string;
  env?: Record<string, string>;
  extraNodeOptions?: string;
}

export async function startOurs(database: string, prefix: string, nofile: number, o: ReplicaOptions = {}): Promise<Server> {
  const port = await freePort();
  const name = o.name ?? 'ours';
  const heapProbe = HEAP_PROBE ? `--expose-gc --import ${pathToFileURL(join(distRoot, 'bench/ocpp/heap-probe.js')).href}` : undefined;
  const nodeOptions = [serverNodeOptions(), o.extraNodeOptions, heapProbe].filter(Boolean).join(' ');
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
    OPERATOR_API_KEY: OPERATOR_KEY,
    OCPP_UNKNOWN_STATION_POLICY: 'auto-register',
    OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '500',
    OCPP_UNKNOWN_TOKEN_DEFAULT: 'Accepted',
    // Outbox retention as deployed (0: rows deleted once published).
    ...(manifestSetting('ocpp', 'OUTBOX_RETENTION_HOURS') ? { OUTBOX_RETENTION_HOURS: manifestSetting('ocpp', 'OUTBOX_RETENTION_HOURS') } : {}),
    // Settings of the service to try (OCPP_*, OUTBOX_*, DATABASE_POOL_SIZE) pass through from the bench's env.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OCPP_') || k.startsWith('OUTBOX_') || k === 'DATABASE_POOL_SIZE')),
    // Node flags as deployed (deploy/k8s/base/ocpp.yaml); BENCH_SERVER_NODE_OPTIONS overrides them
    // for experiments (e.g. `--max-old-space-size=…`, an `--import` preload; empty: none).
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    // After the pass-through: what a part sets for its replicas wins over the bench's environment.
    ...o.env,
  };
  const args = [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), join(distRoot, 'apps/ocpp/src/main.js')];
  const { child, logFile } = spawnWithLimit(name, args, env, nofile);
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok, 60_000, child, logFile);
  return { name, database, url: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid!, child, logFile, heapProbe: HEAP_PROBE, stop: () => stopChild(child) };
}

/** The service's Node flags: the manifest's NODE_OPTIONS unless the bench's env says otherwise. */
function serverNodeOptions(): string | undefined {
  if (process.env.BENCH_SERVER_NODE_OPTIONS !== undefined) return process.env.BENCH_SERVER_NODE_OPTIONS;
  return manifestSetting('ocpp', 'NODE_OPTIONS');
}

export async function startBare(nofile: number): Promise<Server> {
  const port = await freePort();
  const { child, logFile } = spawnWithLimit('bare', [join(distRoot, 'bench/ocpp/bare-server.js'), String(port)], { ...process.env }, nofile);
  await waitUntil(async () => tail(logFile, 200).includes('READY'), 30_000, child, logFile);
  return { name: 'bare ocpp-rpc', url: `ws://127.0.0.1:${port}/ocpp`, pid: child.pid!, child, logFile, stop: () => stopChild(child) };
}
