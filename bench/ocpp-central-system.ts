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
 * Part 1a (optional): a rolling update with authenticating chargers. BENCH_AUTH_CONNECTIONS stations
 *   with their own key (security profile 1) connect and boot on replica A; then a fresh replica
 *   takes them all at once as its predecessor stops, first without the shared memory of verified
 *   keys (another OCPP_AUTH_MEMORY_SECRET), then with it: time until all are connected again,
 *   refused upgrades (the chargers retry after 1–5 s), scrypt runs and CPU of the new replica.
 * Part 3: the same load against a bare `ocpp-rpc` 2.2 server (child process, strict 1.6 schema
 *   validation like ours, no persistence, no events) and the ratio ours/bare. Both fleets stay
 *   connected and the flat-out rounds take turns (ours, bare, ours, …); the ratio is the median of
 *   the rounds that count (see ocpp/ratio.ts). The pieces are in bench/ocpp/.
 *
 * Env: BENCH_PARTS (default 1,2,3; `1b` adds part 1 against the bare server, for its RSS; `1a` the authenticated reconnect storm), BENCH_AUTH_CONNECTIONS (2000), BENCH_AUTH_TIMEOUT_S (600), BENCH_CONNECTIONS (10000), BENCH_CONNECT_CONCURRENCY (200),
 * BENCH_HEARTBEAT_S (20), BENCH_HOLD_S (20), BENCH_STATIONS (1000), BENCH_RATE (2000),
 * BENCH_RATE_S (15), BENCH_MAX_S (10), BENCH_ROUNDS (3), BENCH_WARMUP_S (3), BENCH_STATUS_SHARE (0.25), BENCH_SAMPLES (2, up to 12),
 * BENCH_SOURCE_IPS (source addresses 127.0.0.x, default: 1 per 20,000 connections),
 * BENCH_LOG_LEVEL (server log level, warn), BENCH_CPU_PROF (directory: the ocpp server writes a
 * V8 CPU profile there on exit), BENCH_SERVER_NODE_OPTIONS (NODE_OPTIONS of the ocpp service), BENCH_HEAP_PROBE
 * (1: part 1 also reports the service's heap after a full GC, idle and loaded: the live cost per
 * connection, which RSS blurs with GC timing; see ocpp/heap-probe.ts);
 * OCPP_*, OUTBOX_* and DATABASE_POOL_SIZE are passed on to the service (OUTBOX_RETENTION_HOURS defaults to the manifest's),
 * BENCH_BARE_STRICT (1: ocpp-rpc validates like ours).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deleteStreams, dropDatabase, uniqueSuffix } from '@cpo/testing';
import { partConnections, type ConnectionsResult } from './ocpp/fleet.js';
import { partAuthReconnect, type AuthResult } from './ocpp/reconnect.js';
import { flatOutRound, persisted, prepareLoad, resultOf, type Loaded, type LoadResult } from './ocpp/load.js';
import { openFilesLimit, rssOf } from './ocpp/proc.js';
import { startBare, startOurs, type Server } from './ocpp/servers.js';
import { summarise, table } from './ocpp/summary.js';
import { AUTH_CONNECTIONS, BARE_STRICT, CONNECTIONS, MAX_S, out, PARTS, ROUNDS, STATIONS } from './ocpp/settings.js';

async function main(): Promise<void> {
  const needFiles = Math.max(CONNECTIONS, STATIONS, PARTS.has('1a') ? AUTH_CONNECTIONS : 0) + 2048;
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
  /** Part 1a's replicas (it removes its own database and streams; they are here for an interrupted run). */
  const authReplicas: Server[] = [];
  const cleanup = async () => {
    for (const r of authReplicas) await r.stop().catch(() => undefined);
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
  let auth: AuthResult | undefined;
  try {
    // First, alone on the machine: its storms are measured in CPU and seconds of the new replica.
    if (PARTS.has('1a')) auth = await partAuthReconnect(needFiles, authReplicas);
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
    oursLoad = oursLoaded && resultOf(oursLoaded);
    bareLoad = bareLoaded && resultOf(bareLoaded);
    // Read before the fleets disconnect: their disconnected events, written a moment after the close,
    // were counted as rows kept (and sometimes as not yet published) when read after it.
    if (oursLoaded) {
      stored = await persisted(database);
      out(`  stored: ${stored.meterRows} sampled values stored (meter_samples), ${stored.events} outbox rows kept (${stored.unpublished} not yet on JetStream 30 s after the end)`);
    }
    for (const l of loaded) l.close();
  } finally {
    await cleanup();
  }

  out();
  out(`summary (load average now: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; 2 cores shared with PostgreSQL, NATS, Redis and anyone else's work)`);
  const { rows, ratio } = summarise(connections, bareConnections, oursLoad, bareLoad, auth);
  for (const line of table(rows)) out(line);
  out(JSON.stringify({ connections, auth, bareConnections, ours: oursLoad, bare: bareLoad, ratio, stored }));
  // Heartbeat loops of part 1 may still be asleep: nothing else is pending.
  process.exit(0);
}

await main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
