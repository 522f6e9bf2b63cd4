/**
 * Part 1a: a rolling update with authenticating chargers. AUTH_CONNECTIONS stations with their own
 * AuthorizationKey (security profile 1) connect and boot on replica A; then, twice, a freshly
 * started replica takes the whole fleet at once as its predecessor stops: first one whose
 * OCPP_AUTH_MEMORY_SECRET differs (it cannot recall what A verified: every charger costs it a scrypt
 * run, as before the shared memory), then one with A's secret (it recalls them from Redis).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { deleteStreams, dropDatabase, testServers, uniqueSuffix } from '@cpo/testing';
import { Redis } from 'ioredis';
import { sleep } from '../_platform.js';
import { basicAuth, seedStations, stationKeys } from './auth-keys.js';
import { pool } from './fleet.js';
import { cpuSecondsOf, Latencies } from './proc.js';
import { compareStorms, refusalOf, retryDelayMs, type Storm } from './reconnect-figures.js';
import { startOurs, type Server } from './servers.js';
import { AUTH_CONNECTIONS, AUTH_TIMEOUT_S, CALL_TIMEOUT_MS, CONNECT_CONCURRENCY, distRoot, out, SOURCE_IPS } from './settings.js';
import { SimCharger } from './sim-charger.js';

export interface StormResult extends Storm {
  replica: string;
  target: number;
  /** Refused or failed attempts by HTTP status (`error`: no HTTP answer). */
  refusals: Record<string, number>;
  attempts: number;
  gaveUp: number;
  /** When each charger was connected again, from the first attempt (seconds). */
  connectedAt: ReturnType<Latencies['summary']>;
  /** Share of a core the replica used during the storm. */
  cpuShare: number;
  stillOpen: number;
}

export interface AuthResult {
  /** The fleet's first connection to replica A, CONNECT_CONCURRENCY at a time (every key checked with scrypt). */
  first: StormResult;
  without: StormResult;
  withShared: StormResult;
  ratio: ReturnType<typeof compareStorms>;
}

interface Replica {
  server: Server;
  countFile: string;
}

const BOOT = { chargePointVendor: 'Bench', chargePointModel: 'Sim-1', firmwareVersion: '1.0.0' };

/** `servers` receives every replica started, so an interrupted run can stop them. */
export async function partAuthReconnect(nofile: number, servers: Server[]): Promise<AuthResult> {
  const suffix = uniqueSuffix();
  const database = `ocpp_bench_${suffix}`;
  const prefix = `bench_${suffix}`;
  // Random per run: a secret of an earlier run (or the development default) would let a replica
  // recall entries it was never meant to share.
  const secret = randomBytes(24).toString('hex');
  const otherSecret = randomBytes(24).toString('hex');
  out(`part 1a: ${AUTH_CONNECTIONS} chargers with their own key (security profile 1) reconnect to a fresh replica, without and with shared memory of verified keys`);
  const start = async (tag: string, authSecret: string): Promise<Replica> => {
    const countFile = join(tmpdir(), `bench-ocpp-scrypt-${tag}-${process.pid}.count`);
    const server = await startOurs(database, prefix, nofile, {
      name: `replica-${tag}`,
      env: { OCPP_AUTH_MEMORY_SECRET: authSecret, BENCH_SCRYPT_COUNT_FILE: countFile },
      extraNodeOptions: `--import=${pathToFileURL(join(distRoot, 'bench/ocpp/scrypt-counter.js')).href}`,
    });
    servers.push(server);
    return { server, countFile };
  };
  const replicas: Replica[] = [];
  try {
    const a = await start('a', secret);
    replicas.push(a);
    const keys = await stationKeys(AUTH_CONNECTIONS);
    const ids = keys.map((_, i) => `AU${suffix}-${i}`);
    await seedStations(database, ids, keys);
    const chargers = ids.map((id, i) => new SimCharger(id, CALL_TIMEOUT_MS, SOURCE_IPS > 1 ? `127.0.0.${1 + (i % SOURCE_IPS)}` : undefined, basicAuth(id, keys[i]!.password)));

    const first = await connectAll(a, chargers, CONNECT_CONCURRENCY);
    report('replica A, first connection', first, `${CONNECT_CONCURRENCY} at a time`);
    let booted = 0;
    await pool(chargers, CONNECT_CONCURRENCY, async (c) => {
      if (!c.isOpen) return;
      const r = await c.call('BootNotification', BOOT);
      if (r.ok && (r.payload as { status?: string }).status === 'Accepted') booted += 1;
    });
    out(`  booted ${booted} on replica A`);

    const without = await rollOver(replicas, chargers, () => start('b', otherSecret));
    report('replica B, another secret (no shared memory)', without, 'all at once');
    const withShared = await rollOver(replicas, chargers, () => start('c', secret));
    report("replica C, A's secret (shared memory)", withShared, 'all at once');
    const ratio = compareStorms(without, withShared);
    out(`  without / with shared memory: time ${ratio.time ?? 'n/a'}×, CPU ${ratio.cpu ?? 'n/a'}×`);
    for (const c of chargers) c.close();
    return { first, without, withShared, ratio };
  } finally {
    for (const r of replicas) {
      await r.server.stop().catch(() => undefined);
      rmSync(r.countFile, { force: true });
    }
    await dropDatabase(database).catch(() => undefined);
    await deleteStreams(prefix).catch(() => undefined);
    await deleteRedisKeys(prefix).catch(() => undefined);
  }
}

/**
 * A rolling update's step: the next replica is started (and ready) first, the current one stops
 * (SIGTERM: its shutdown closes every socket), then all chargers reconnect to the next at once.
 */
async function rollOver(replicas: Replica[], chargers: SimCharger[], startNext: () => Promise<Replica>): Promise<StormResult> {
  const next = await startNext();
  const current = replicas.at(-1)!;
  replicas.push(next);
  await current.server.stop();
  for (const c of chargers) c.close();
  return connectAll(next, chargers, chargers.length);
}

/** Connects every charger, each retrying after 1–5 s when refused or failed, up to AUTH_TIMEOUT_S. */
async function connectAll(replica: Replica, chargers: SimCharger[], concurrency: number): Promise<StormResult> {
  const { server } = replica;
  const cpu0 = cpuSecondsOf(server.pid);
  const runs0 = scryptRuns(replica);
  const refusals: Record<string, number> = {};
  const connectedAt = new Latencies();
  let attempts = 0;
  let gaveUp = 0;
  const started = performance.now();
  const deadline = started + AUTH_TIMEOUT_S * 1000;
  await pool(chargers, concurrency, async (c) => {
    for (;;) {
      attempts += 1;
      try {
        await c.open(server.url);
        connectedAt.add((performance.now() - started) / 1000);
        return;
      } catch (err) {
        const status = refusalOf(err);
        refusals[status] = (refusals[status] ?? 0) + 1;
        c.close();
      }
      if (performance.now() > deadline) {
        gaveUp += 1;
        return;
      }
      await sleep(retryDelayMs(Math.random()));
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuS = cpuSecondsOf(server.pid) - cpu0;
  await sleep(1000); // the counter file is written every 200 ms; a socket closed right after its upgrade shows by now
  return {
    replica: server.name,
    target: chargers.length,
    connected: connectedAt.count,
    seconds: Math.round(seconds * 10) / 10,
    scryptRuns: scryptRuns(replica) - runs0,
    cpuS: Math.round(cpuS * 10) / 10,
    cpuShare: Math.round((cpuS / Math.max(seconds, 0.001)) * 100) / 100,
    refusals,
    attempts,
    gaveUp,
    connectedAt: connectedAt.summary(),
    stillOpen: chargers.filter((c) => c.isOpen).length,
  };
}

function scryptRuns(replica: Replica): number {
  try {
    return Number(readFileSync(replica.countFile, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function report(what: string, s: StormResult, how: string): void {
  const refused = Object.entries(s.refusals).map(([status, n]) => `${n}× ${status === 'error' ? 'no answer' : status}`);
  out(
    `  ${what}: ${s.connected}/${s.target} connected in ${s.seconds} s (${how}; connected after p50 ${s.connectedAt.p50} s, p99 ${s.connectedAt.p99} s), ` +
      `${s.attempts} attempts, refused ${refused.join(', ') || 'none'}${s.gaveUp ? `, ${s.gaveUp} gave up` : ''}; ` +
      `${s.scryptRuns} scrypt runs, replica CPU ${s.cpuS} s (${Math.round(s.cpuShare * 100)} % of a core); ${s.stillOpen} still open`,
  );
}

/** The replicas' Redis keys carry the run's prefix (presence, liveness, verified keys): removed with the run. */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(testServers.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
