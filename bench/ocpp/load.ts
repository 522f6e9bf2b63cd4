/** Parts 2 and 3: a fleet in transactions, at a fixed rate and then flat out, and what it cost. */
import { performance } from 'node:perf_hooks';
import { databaseUrl, uniqueSuffix } from '@cpo/testing';
import pg from 'pg';
import { sleep } from '../_platform.js';
import { connectFleet, pool } from './fleet.js';
import { cpuSecondsOf, infraCpu, infraDelta, Latencies, machineCpu, pct, rssOf, speedProbe } from './proc.js';
import type { Server } from './servers.js';
import { MAX_S, out, RATE, RATE_S, ROUNDS, SAMPLES, STATIONS, STATUS_SHARE, WARMUP_S } from './settings.js';
import { StationLoad } from './sim-charger.js';

export interface PhaseResult {
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

export interface LoadResult {
  server: string;
  stations: number;
  fixed: PhaseResult;
  /** The median flat-out round. */
  max: PhaseResult;
  rounds: PhaseResult[];
  rssMb: number;
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

/** Runs `fn` on a connection of its own to the service's database (the bench reads, the service writes). */
async function withDb<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const count = async (client: pg.Client, sql: string) => Number((await client.query(sql)).rows[0].n);

function unpublishedEvents(database: string): Promise<number> {
  return withDb(database, (client) => count(client, UNPUBLISHED_EVENTS));
}

/** The share of a core under which a server counts as idle between the fleet's boot and the load. */
const IDLE_CPU_SHARE = 0.1;
const SETTLE_MAX_S = 120;

/**
 * Waits until the server is idle (under IDLE_CPU_SHARE of a core for a second), at most
 * SETTLE_MAX_S; returns the seconds it took. The fleet's boots leave the service work of its own
 * (paced deferred work: configuration reads, grid profile and local list passes), which would
 * otherwise run into the measured phases: the target is the sustained load of connected chargers.
 */
async function settle(server: Server): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < SETTLE_MAX_S * 1000) {
    const cpu0 = cpuSecondsOf(server.pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (cpuSecondsOf(server.pid) - cpu0 < IDLE_CPU_SHARE) break;
  }
  return Math.round((Date.now() - started) / 1000);
}

/** A fleet in transactions on one server, warmed up and measured at the fixed rate; its flat-out rounds follow. */
export interface Loaded {
  server: Server;
  stations: StationLoad[];
  fixed: PhaseResult;
  rounds: PhaseResult[];
  close(): void;
}

export async function prepareLoad(server: Server): Promise<Loaded> {
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
  const settledS = await settle(server);
  if (settledS > 1) out(`  the server's own after-boot work (configuration reads, grid and local-list passes) ran ${settledS} s after the fleet booted; measured after it`);
  await runPhase(server, stations, WARMUP_S, null);
  const fixed = await runPhase(server, stations, RATE_S, RATE);
  out(`  offered ${RATE}/s for ${RATE_S} s: ${describePhase(server, fixed)}`);
  return { server, stations, fixed, rounds: [], close: () => fleet.chargers.forEach((c) => c.close()) };
}

/** One flat-out phase of `l`; `idle` are the other loads' servers, whose CPU meanwhile is shown (it should be next to none). */
export async function flatOutRound(l: Loaded, round: number, idle: Server[]): Promise<void> {
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
export function resultOf(l: Loaded): LoadResult {
  const byRate = [...l.rounds].sort((a, b) => a.callsPerS - b.callsPerS);
  return { server: l.server.name, stations: l.stations.length, fixed: l.fixed, max: byRate[(byRate.length - 1) >> 1]!, rounds: l.rounds, rssMb: rssOf(l.server.pid).rssMb };
}

/** Everything the ocpp service stored and published for part 2, read from its database. */
export function persisted(database: string): Promise<{ meterRows: number; events: number; unpublished: number }> {
  return withDb(database, async (client) => {
    const deadline = Date.now() + 30_000;
    let unpublished = 0;
    do {
      unpublished = await count(client, UNPUBLISHED_EVENTS);
      if (unpublished === 0) break;
      await sleep(250);
    } while (Date.now() < deadline);
    const meterRows = await count(client, `SELECT count(*) AS n FROM meter_samples`);
    // Events still in the outbox: all of them when published rows are kept, none once published with OUTBOX_RETENTION_HOURS=0.
    const events = await count(client, `SELECT count(*) AS n FROM outbox_events`);
    return { meterRows, events, unpublished };
  });
}
