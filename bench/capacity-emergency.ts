/**
 * Benchmark: emergency → limits accepted by every simulated charger, measured from the OSCP POST.
 *
 * The ELMO testbed, oscp, planner and ocpp run as child processes from dist/ (as in production),
 * on one bus prefix with their own databases; this process holds BENCH_CHARGERS simulated chargers
 * (apps/cp-simulator, real OCPP-J over WebSocket), one group, a session on every charger. Once the
 * site is steady, the testbed sends an emergency (its trigger makes the OSCP POST to oscp at once;
 * t0 is taken just before). Per charger: the time until it has accepted both profiles (its
 * ChargePointMaxProfile and the connector's TxDefaultProfile) that switch to the emergency limit
 * at its start. Target: every charger within 5 s; p50/p99/max reported, with the planner's round.
 *
 * Env: BENCH_CHARGERS (1000), BENCH_CONNECT_CONCURRENCY (100), BENCH_LOG_LEVEL (warn).
 */
import { loadavg } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { uniqueSuffix } from '@cpo/testing';
import { SimulatedStation } from '../apps/cp-simulator/src/station/simulated-station.js';
import { defaultStation } from '../apps/cp-simulator/src/station/station-config.js';
import { api, cleanupBus, connectElmo, percentile, startService, until, type Service } from './_platform.js';

const CHARGERS = Number(process.env.BENCH_CHARGERS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONNECT_CONCURRENCY ?? 100);
const GROUP = 'BENCH-SITE';
const TARGET_MS = 5000;
/** Every charger 3-phase 32 A at 220 V; the contract gives each about 10.6 A, the emergency 7.5 A. */
const CONTRACT_KW = Math.round(CHARGERS * 7);
const EMERGENCY_KW = Math.round(CHARGERS * 5);

const out = (line: string) => process.stdout.write(`${line}\n`);

interface Accepted {
  atMs: number;
  profileId: number;
  /** Absolute instants at which the schedule's periods start. */
  steps: number[];
}

async function main(): Promise<void> {
  const suffix = uniqueSuffix();
  const prefix = `bench_${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-emergency-'));
  const ids = Array.from({ length: CHARGERS }, (_, i) => `EMG-${String(i + 1).padStart(5, '0')}`);
  const topology = join(dir, 'site.json');
  writeFileSync(topology, JSON.stringify({ groups: [{ groupId: GROUP, contractKw: CONTRACT_KW, safetyMargin: 0.05, stations: ids.map((stationId) => ({ stationId, maxCurrentA: 32 })) }] }));
  const services: Service[] = [];
  const sims: SimulatedStation[] = [];
  try {
    out(`starting testbed, oscp, planner, ocpp (prefix ${prefix}) …`);
    const common = { prefix, suffix };
    const testbed = await startService('elmo-testbed', { ...common, env: { ELMO_TESTBED_GROUP_IDS: GROUP } });
    services.push(testbed);
    const oscp = await startService('oscp', common);
    services.push(oscp);
    const planner = await startService('planner', { ...common, env: { PLANNER_TOPOLOGY_FILE: topology, PLANNER_RAMP_PER_S: '10', PLANNER_TICK_MS: '5000' } });
    services.push(planner);
    const ocpp = await startService('ocpp', { ...common, env: { OCPP_PING_INTERVAL_MS: '0', OCPP_NOMINAL_VOLTAGE_V: '220', OCPP_UNKNOWN_TOKEN_DEFAULT: 'Accepted' } });
    services.push(ocpp);
    const { fpToken } = await connectElmo(oscp.url, testbed.url, GROUP, CONTRACT_KW, ids);

    out(`connecting ${CHARGERS} simulated chargers …`);
    const accepted = new Map<string, Accepted[]>();
    const wsUrl = `${ocpp.url.replace('http', 'ws')}/ocpp`;
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + CONCURRENCY).map(async (id) => {
          const sim = new SimulatedStation(defaultStation(id, { connectors: 1, maxCurrentA: 32, phases: 3, voltageV: 220 }), { url: wsUrl, reconnect: false, meterIntervalS: 60 });
          const log: Accepted[] = [];
          accepted.set(id, log);
          sim.after('SetChargingProfile', (req) => {
            const schedule = req.csChargingProfiles.chargingSchedule;
            const start = Date.parse(schedule.startSchedule ?? new Date().toISOString());
            log.push({ atMs: performance.timeOrigin + performance.now(), profileId: req.csChargingProfiles.chargingProfileId, steps: schedule.chargingSchedulePeriod.map((p) => start + p.startPeriod * 1000) });
          });
          sims.push(sim);
          const registered = new Promise((resolve) => sim.once('registration', resolve));
          void sim.start();
          await registered;
        }),
      );
    }
    out('starting a session on every charger …');
    for (let i = 0; i < sims.length; i += CONCURRENCY) {
      await Promise.all(sims.slice(i, i + CONCURRENCY).map((s) => s.startSession(1, `TAG-${s.station.identity}`, 22_000)));
    }
    // Steady: every session charging at its share and no profile sent for a few seconds.
    const total = () => [...accepted.values()].reduce((n, l) => n + l.length, 0);
    await until(async () => {
      const view = await api<{ connectors: { status: string; reason: string }[] }>(planner.url, 'GET', `/api/v1/groups/${GROUP}/allocation`);
      return view.connectors.filter((c) => c.status === 'charging' && !c.reason.startsWith('ramping')).length === CHARGERS;
    }, 'every session charging at its share', 180_000, 1000);
    let last = -1;
    await until(async () => {
      const now = total();
      const quiet = now === last;
      last = now;
      return quiet;
    }, 'no more profiles in flight', 120_000, 3000);

    out(`steady: ${CHARGERS} sessions, ${total()} profiles accepted so far; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const t0 = performance.timeOrigin + performance.now();
    const trigger = await api<{ callback_status: number; sent_body: { forecasted_blocks: { start_time: string }[] } }>(testbed.url, 'POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${oscp.url}/oscp/fp/2.0/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      purpose: 'emergency_assign_capacity',
      group_id: GROUP,
      capacity: EMERGENCY_KW,
    });
    const postMs = performance.timeOrigin + performance.now() - t0;
    if (trigger.callback_status !== 204) throw new Error(`emergency not accepted: ${JSON.stringify(trigger)}`);
    const start = Date.parse(trigger.sent_body.forecasted_blocks[0].start_time);
    // A charger is done once both its profiles switching at the emergency start are accepted.
    const doneAt = (id: string): number | undefined => {
      const log = accepted.get(id)!.filter((a) => a.atMs >= t0 && a.steps.includes(start));
      const cap = log.find((a) => a.profileId === 1);
      const tx = log.find((a) => a.profileId !== 1);
      return cap && tx ? Math.max(cap.atMs, tx.atMs) - t0 : undefined;
    };
    await until(() => ids.every((id) => doneAt(id) !== undefined), 'every charger to accept the emergency', 120_000, 50).catch((err: Error) => out(`warning: ${err.message}`));
    const latencies = ids.map(doneAt).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    const plans = await api<{ reason: string; createdAt: string }[]>(planner.url, 'GET', `/api/v1/groups/${GROUP}/plans?limit=${CHARGERS}`);
    const planned = plans.filter((p) => p.reason === 'emergency').map((p) => Date.parse(p.createdAt) - t0);
    const max = latencies.at(-1) ?? Number.NaN;
    out('');
    out(`emergency ${EMERGENCY_KW} kW (contract ${CONTRACT_KW} kW) for ${CHARGERS} chargers, start ${new Date(start).toISOString()}`);
    out(`  OSCP POST answered 204 after ${postMs.toFixed(0)} ms`);
    out(`  planner round published ${planned.length} emergency plans ${planned.length ? `${Math.min(...planned).toFixed(0)}–${Math.max(...planned).toFixed(0)} ms` : ''} after t0`);
    out(`  chargers with both profiles accepted: ${latencies.length}/${CHARGERS}`);
    out(`  per charger: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${max.toFixed(0)} ms (target every charger < ${TARGET_MS} ms: ${latencies.length === CHARGERS && max < TARGET_MS ? 'met' : 'MISSED'})`);
    out(`  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared by the four services, PostgreSQL, NATS and the simulators)`);
  } finally {
    await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
    for (const s of services.reverse()) await s.stop();
    await cleanupBus(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
