/**
 * End to end, all real services: the ELMO testbed → oscp (OSCP over HTTP) → planner → ocpp →
 * simulated chargers (OCPP-J over WebSocket), all on one bus prefix. The testbed sends a day-ahead
 * assignment and then an emergency while sessions run; every simulated charger must hold, by its
 * own composite schedule, a limit within its share before the emergency starts, and the group's
 * simulated power must stay within the limit at every instant we know of.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmartCharging16 } from '@cpo/ocpp-protocol';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { SimulatedStation } from '../apps/cp-simulator/src/station/simulated-station.js';
import { defaultStation } from '../apps/cp-simulator/src/station/station-config.js';
import { AppModule as OcppApp } from '../apps/ocpp/src/app.module.js';
import { loadOcppConfig, type OcppConfig } from '../apps/ocpp/src/config.js';
import { startHarness, type Harness } from '../apps/oscp/test/harness.js';
import { AppModule as PlannerApp } from '../apps/planner/src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../apps/planner/src/config.js';

const GROUP = 'SITE-E2E';
const STATIONS = ['E2E-1', 'E2E-2', 'E2E-3', 'E2E-4'];
const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
const V = 220;

/** What a simulated charger draws at `t` by its installed profiles: min(composite limit, EV) per connector, within the station cap. */
function powerAt(sim: SimulatedStation, t: Date): number {
  const electrical = { voltageV: sim.station.voltageV, phases: sim.station.phases, maxCurrentA: sim.station.maxCurrentA };
  const limit = (connectorId: number): number => {
    const c = sim.connectors[connectorId];
    const transaction = c.transaction ? { startedAt: c.transaction.startedAt, transactionId: c.transaction.id } : undefined;
    return SmartCharging16.limitAt({ profiles: sim.profiles.list(), connectorId, unit: 'W', electrical, transaction }, t).limit;
  };
  const charging = sim.connectors.filter((c) => c.id > 0 && c.transaction);
  const total = charging.reduce((sum, c) => sum + Math.min(limit(c.id), c.evMaxPowerW), 0);
  return Math.min(total, limit(0));
}

describe('capacity end to end: ELMO testbed → oscp → planner → ocpp → simulated chargers', () => {
  let h: Harness;
  let planner: TestApp<PlannerConfig>;
  let ocpp: TestApp<OcppConfig>;
  let dir: string;
  const sims: SimulatedStation[] = [];
  let fpToken: string;

  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: KEY, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const trigger = (body: Record<string, unknown>) =>
    h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${h.oscp.baseUrl}/oscp/fp/2.0/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      group_id: GROUP,
      ...body,
    });
  const groupPowerAt = (t: Date) => sims.reduce((sum, s) => sum + powerAt(s, t), 0);

  beforeAll(async () => {
    const now = new Date().toISOString();
    h = await startHarness({ start: now });
    await h.setNow(now);
    ({ fpToken } = await h.connect(GROUP, 60, STATIONS));
    dir = mkdtempSync(join(tmpdir(), 'e2e-'));
    const topology = join(dir, 'site.yaml');
    writeFileSync(topology, ['groups:', `  - groupId: ${GROUP}`, '    contractKw: 60', '    safetyMargin: 0.05', '    stations:', ...STATIONS.flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']), ''].join('\n'));
    const bus = { NATS_SUBJECT_PREFIX: h.oscp.prefix };
    planner = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => PlannerApp.forRoot(c, l),
      database: 'planner',
      env: { ...bus, PLANNER_TOPOLOGY_FILE: topology, PLANNER_DEBOUNCE_MS: '100', PLANNER_TICK_MS: '1000', PLANNER_RAMP_PER_S: '1' },
    });
    // The test reads each charger's own schedule up to the emergency, 15+ minutes ahead, with no
    // further contact: a lease shorter than that would (rightly) show its fallback by then.
    ocpp = await startTestApp({
      loadConfig: loadOcppConfig,
      createModule: (c, l) => OcppApp.forRoot(c, l),
      database: 'ocpp',
      env: { ...bus, OCPP_PING_INTERVAL_MS: '0', OCPP_NOMINAL_VOLTAGE_V: '220', OCPP_PROFILE_LEASE_S: '3600' },
    });
    // One token per charger: the central system refuses a token already charging elsewhere (ConcurrentTx).
    for (const id of STATIONS) {
      const tag = await call(ocpp.baseUrl, 'PUT', `/api/v1/id-tags/TAG-${id}`, {});
      if (tag.status >= 300) throw new Error(`id tag: ${tag.status} ${JSON.stringify(tag.body)}`);
    }
    for (const id of STATIONS) {
      const sim = new SimulatedStation(defaultStation(id, { connectors: 1, maxCurrentA: 32, phases: 3, voltageV: V }), {
        url: `${ocpp.baseUrl.replace('http', 'ws')}${ocpp.config.OCPP_PATH_PREFIX}`,
        reconnect: false,
        meterIntervalS: 5,
      });
      sims.push(sim);
      const accepted = new Promise((resolve) => sim.once('registration', resolve));
      void sim.start();
      await accepted;
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sims.map((s) => s.stop()));
    await ocpp?.close();
    await planner?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('holds every charger within its share before an emergency starts, and the group within the limit at every instant', async () => {
    // Chargers online first: each holds its planned profiles (0 A while idle) before a car arrives;
    // a charger without any profile would let the first car draw its full rating.
    expect(await eventually(() => sims.every((s) => s.profiles.list().length >= 2), 30_000, 100)).toBe(true);
    // Sessions on three chargers, each EV able to take 22 kW: 66 kW wanted against 60 kW × 95 %.
    for (const sim of sims.slice(0, 3)) expect(await sim.startSession(1, `TAG-${sim.station.identity}`, 22_000)).toBeGreaterThan(0);
    // Ramped up to the group's share: 57 kW over three sessions.
    const charging = async () => {
      await Promise.all(sims.map((s) => s.applyLimits()));
      return groupPowerAt(new Date());
    };
    expect(await eventually(async () => (await charging()) >= 50_000, 30_000, 250)).toBe(true);
    expect(await charging()).toBeLessThanOrEqual(57_000);

    // The day-ahead assignment for tomorrow: 45 kW every hour.
    const assign = await trigger({ purpose: 'negotiation_assign_capacity', capacity: 45 });
    expect(assign.body.callback_status).toBe(204);
    // The emergency: 20 kW from the first quarter-hour at least 15 min ahead until midnight.
    const emergency = await trigger({ purpose: 'emergency_assign_capacity', capacity: 20 });
    expect(emergency.body.callback_status).toBe(204);
    const start = new Date(emergency.body.sent_body.forecasted_blocks[0].start_time);
    const end = new Date(emergency.body.sent_body.forecasted_blocks[0].end_time);
    expect(start.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);

    // The emergency plans of the charging stations are accepted by the chargers well before the start.
    type Plan = { stationId: string; reason: string; expected: number; applied: number; connectors: { connectorId: number; schedule: { startSchedule: string; periods: { startPeriodS: number; limit: number }[] } }[] };
    const plans = async () => (await call(planner.baseUrl, 'GET', `/api/v1/groups/${GROUP}/plans?limit=500`)).body as Plan[];
    // The newest plan of each charging station steps down at the start and is accepted (an
    // emergency plan may be superseded by a newer one, e.g. a ramp step, before it is sent).
    const capAt = (p: Plan, t: number) => {
      const cap = p.connectors.find((c) => c.connectorId === 0)!.schedule;
      return cap.periods.filter((q) => Date.parse(cap.startSchedule) + q.startPeriodS * 1000 <= t).at(-1)!.limit;
    };
    let lastSeen = '';
    const emergencyApplied = async () => {
      const all = await plans();
      lastSeen = JSON.stringify(all.slice(0, 8).map((p) => ({ station: p.stationId, reason: p.reason, applied: `${p.applied}/${p.expected}`, cap: p.connectors.find((c) => c.connectorId === 0)?.schedule })));
      if (!all.some((p) => p.reason === 'emergency')) return false;
      return sims.slice(0, 3).every((s) => {
        const newest = all.find((p) => p.stationId === s.station.identity);
        return newest !== undefined && newest.applied === newest.expected && capAt(newest, start.getTime()) < capAt(newest, start.getTime() - 1000);
      });
    };
    // On failure, the newest plans say why (an emergency plan superseded, unanswered, or wrongly named).
    if (!(await eventually(emergencyApplied, 30_000, 250))) throw new Error(`emergency from ${start.toISOString()} not applied; newest plans: ${lastSeen}`);
    expect(Date.now()).toBeLessThan(start.getTime());
    await Promise.all(sims.map((s) => s.applyLimits()));
    // Every charger's own composite schedule: at most its share from the start, still charging until then.
    expect(groupPowerAt(start)).toBeLessThanOrEqual(20_000 * 0.95 + 1);
    expect(groupPowerAt(new Date(start.getTime() - 1000))).toBeGreaterThan(20_000);
    const latestPlans = await plans();
    for (const sim of sims) {
      const id = sim.station.identity;
      const latest = latestPlans.find((p) => p.stationId === id)!;
      const cap = latest.connectors.find((c) => c.connectorId === 0)!.schedule;
      const offsetS = (start.getTime() - Date.parse(cap.startSchedule)) / 1000;
      const shareA = cap.periods.filter((p) => p.startPeriodS <= offsetS).at(-1)!.limit;
      expect(powerAt(sim, start)).toBeLessThanOrEqual(shareA * V * 3 + 1);
    }

    // The group's simulated power within the effective limit at every minute until the emergency ends and at every step.
    const timeline = (await call(planner.baseUrl, 'GET', `/api/v1/groups/${GROUP}/timeline?to=${encodeURIComponent(new Date(end.getTime() + 3_600_000).toISOString())}`)).body.segments as { start: string; end: string; limitKw: number }[];
    const instants = new Set<number>(timeline.map((s) => Date.parse(s.start)));
    for (let t = Date.now() + 5_000; t < end.getTime() + 3_600_000; t += 60_000) instants.add(t);
    const violations: string[] = [];
    for (const t of instants) {
      const segment = timeline.find((s) => Date.parse(s.start) <= t && t < Date.parse(s.end));
      const powerW = groupPowerAt(new Date(t));
      if (segment && powerW > segment.limitKw * 1000 + 1) violations.push(`${new Date(t).toISOString()}: ${Math.round(powerW)} W > ${segment.limitKw} kW`);
    }
    expect(violations).toEqual([]);
    expect(instants.size).toBeGreaterThan(15);
  });
});
