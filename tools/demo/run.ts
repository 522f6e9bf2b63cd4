/**
 * The demo's sequence: platform → ELMO link and site → chargers with sessions → the day played
 * back to back → emergency on the chargers → an operator cap → watch. Everything it reports comes
 * from the real services and the real simulated chargers.
 */
import { adjust, assignment, dayWindows, emergency, reply, type DayWindows, type EmergencySent } from './day.js';
import { connectElmo, type ElmoLink } from './elmo.js';
import type { DemoFleet } from './fleet.js';
import { Observer, allocation } from './observe.js';
import type { DemoOptions, GroupPlan } from './options.js';
import { DemoError, ok, sleep, until, type Json, type Platform } from './platform.js';
import type { StepResult } from './summary.js';
import { duration, step as progress, skipped, taipeiClock } from './text.js';

export interface RunState {
  platform: Platform;
  groups: GroupPlan[];
  fleet: DemoFleet;
  observer?: Observer;
  link?: ElmoLink;
  windows?: DayWindows;
  steps: StepResult[];
  emergencies: Map<string, EmergencySent>;
  /** Tomorrow's hourly kW per group as ELMO assigned, we requested and ELMO granted (only what happened). */
  tomorrow: Map<string, { assignedKw?: number[]; requestedKw?: number[]; grantedKw?: number[] }>;
  /** From here on the chargers' draw is judged against the limit (before: start-up and ramps). */
  settledAtMs: number;
  startedAtMs: number;
  plannerGroupsCreated: string[];
  timers: NodeJS.Timeout[];
}

function record(state: RunState, r: StepResult): StepResult {
  state.steps.push(r);
  (r.status === 'skipped' ? skipped : progress)(`${r.status === 'failed' ? 'FAILED ' : ''}${r.step}${r.groupId ? ` ${r.groupId}` : ''}: ${r.detail}`);
  return r;
}

export async function setUpSite(state: RunState, runId: string): Promise<void> {
  const { platform, groups } = state;
  progress(`connecting oscp to the ELMO testbed (register → handshake) for ${groups.map((g) => g.groupId).join(', ')} …`);
  state.link = await connectElmo(platform.url.oscp, platform.url['elmo-testbed'], runId, groups);
  progress(`OSCP connection CONNECTED (partner ${state.link.partnerId})`);
  for (const g of groups) {
    await ok(platform.url.planner, 'PUT', `/api/v1/groups/${encodeURIComponent(g.groupId)}`, {
      partnerId: state.link.partnerId,
      contractKw: g.contractKw,
      safetyMargin: 0.05,
      stations: g.stationIds.map((stationId) => ({ stationId, maxCurrentA: 32, connectorCount: 1 })),
    });
    state.plannerGroupsCreated.push(g.groupId);
    progress(`planner group ${g.groupId}: contract ${g.contractKw} kW, safety margin 5 %, ${g.stationIds.length} chargers (3-phase 32 A, 220 V)`);
  }
  const total = groups.reduce((n, g) => n + g.stationIds.length, 0);
  progress(`connecting ${total} simulated chargers to ${platform.url.ocpp.replace(/^http/, 'ws')}/ocpp …`);
  await state.fleet.connect(groups);
  progress(`${total} chargers booted (BootNotification accepted)`);
}

/** Sessions, then the planner's shares ramped in: no connector ramping or waiting any more. */
export async function startCharging(state: RunState, o: DemoOptions): Promise<void> {
  const { platform, groups, fleet } = state;
  state.observer = new Observer(platform.url.planner, fleet, groups.map((g) => g.groupId));
  state.observer.start(o.sampleS);
  await fleet.startSessions();
  state.observer.note('EVs plugged in');
  progress(`EVs plugged in: ${groups.map((g) => `${g.groupId} ${g.sessions}/${g.stationIds.length}`).join(', ')}; waiting for the planner's shares to ramp in …`);
  const settled = async () => {
    for (const g of groups) {
      const view = await allocation(platform.url.planner, g.groupId);
      const sessions = (view.connectors as Json[]).filter((c) => c.status === 'charging' || c.status === 'paused' || c.status === 'uncontrolled');
      if (sessions.length < g.sessions || sessions.some((c) => /ramping|waits/.test(String(c.reason)))) return false;
    }
    return true;
  };
  await until(settled, 'every session at its share (planner allocation)', 150_000, 1000);
  await sleep(3000); // one more tick and meter sample, so the first judged row is steady
  state.settledAtMs = Date.now();
  state.observer.note('settled');
  progress(`shares settled after ${duration(state.settledAtMs - state.startedAtMs)}`);
}

export async function playDay(state: RunState): Promise<void> {
  const { platform, groups } = state;
  const link = state.link!;
  const w = (state.windows = dayWindows(Date.now(), process.env.OSCP_ADJUST_CUTOFF ?? '14:00'));
  progress(`playing ELMO's day now, at ${taipeiClock(Date.now())} Taipei (tomorrow = ${w.tomorrow}) …`);
  const assigned = new Map<string, StepResult>();
  for (const g of groups) {
    assigned.set(g.groupId, record(state, await assignment(link, g, w)));
    state.observer?.note('tomorrow: assigned', g.groupId);
  }
  const adjusted = new Map<string, StepResult>();
  for (const g of groups) {
    const r = record(state, await adjust(link, platform.url.planner, g, w, assigned.get(g.groupId)?.status === 'done'));
    adjusted.set(g.groupId, r);
    if (r.status === 'done' && /ELMO answered 204/.test(r.detail)) state.observer?.note('tomorrow: adjust sent', g.groupId);
  }
  for (const g of groups) {
    const { result, requestedKw, grantedKw } = await reply(link, g, w, adjusted.get(g.groupId));
    record(state, result);
    if (grantedKw) state.observer?.note('tomorrow: reply', g.groupId);
    state.tomorrow.set(g.groupId, {
      assignedKw: assigned.get(g.groupId)?.status === 'done' ? g.assignedKw : undefined,
      requestedKw,
      grantedKw,
    });
  }
  for (const g of groups.filter((x) => x.emergencyKw !== undefined)) {
    const e = await emergency(link, g);
    record(state, e.result);
    state.emergencies.set(g.groupId, e);
    state.observer?.note(`emergency ${g.emergencyKw} kW from ${e.startMs ? taipeiClock(e.startMs).slice(0, 5) : '?'}`, g.groupId);
  }
}

/** The emergency is only as good as the chargers holding it: every charger with a session must accept its new schedules. */
export async function emergencyOnChargers(state: RunState): Promise<void> {
  for (const [groupId, e] of state.emergencies) {
    if (e.result.status !== 'done' || e.startMs === undefined) continue;
    const stations = state.fleet.of(groupId).filter((c) => c.evKw > 0).map((c) => c.sim.station.identity);
    const step = 'emergency limits on the chargers';
    const accepted = async () => {
      const plans: Json[] = await ok(state.platform.url.planner, 'GET', `/api/v1/groups/${encodeURIComponent(groupId)}/plans?limit=500`);
      const done = plans.filter((p) => p.reason === 'emergency' && p.applied === p.expected && Date.parse(p.createdAt) >= e.sentAtMs - 5000);
      return stations.every((s) => done.some((p) => p.stationId === s));
    };
    try {
      await until(accepted, `the emergency schedules of ${groupId} to be accepted`, 60_000, 500);
      const tookMs = Date.now() - e.sentAtMs;
      record(state, { step, groupId, status: 'done', detail: `${stations.length} chargers accepted schedules that switch at ${taipeiClock(e.startMs)}, ${duration(tookMs)} after ELMO's POST (${duration(e.startMs - Date.now())} before the start)` });
    } catch (err) {
      if (!(err instanceof DemoError)) throw err;
      record(state, { step, groupId, status: 'failed', detail: err.message });
    }
  }
}

/**
 * An operator cap on the groups without an emergency, starting shortly and lasting a minute: a
 * limit change that happens *during* the demo, so the measured power shows the chargers switching
 * at the step (the planner schedules it in advance, like an emergency) and ramping back after it.
 */
export async function operatorCap(state: RunState, o: DemoOptions): Promise<void> {
  const step = 'operator cap (one more source of the limit)';
  for (const g of state.groups.filter((x) => x.emergencyKw === undefined)) {
    const startMs = Math.ceil((Date.now() + CAP_LEAD_MS) / 1000) * 1000;
    const endMs = startMs + Math.min(CAP_MS, Math.max(10_000, o.observeS * 1000 - CAP_LEAD_MS - 20_000));
    const powerKw = Math.round(g.contractKw * 0.6);
    try {
      await ok(state.platform.url.planner, 'POST', `/api/v1/groups/${encodeURIComponent(g.groupId)}/caps`, { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), powerKw, reason: 'demo: transformer maintenance' });
    } catch (err) {
      if (!(err instanceof DemoError)) throw err;
      record(state, { step, groupId: g.groupId, status: 'failed', detail: err.message });
      continue;
    }
    record(state, { step, groupId: g.groupId, status: 'done', detail: `${powerKw} kW from ${taipeiClock(startMs)} to ${taipeiClock(endMs)} (the chargers get it as a scheduled step, like an emergency)` });
    state.observer?.note(`cap ${powerKw} kW scheduled`, g.groupId);
    state.timers.push(setTimeout(() => state.observer?.note(`cap ${powerKw} kW starts`, g.groupId), startMs - Date.now()));
    state.timers.push(setTimeout(() => state.observer?.note('cap ends', g.groupId), endMs - Date.now()));
  }
}

const CAP_LEAD_MS = 20_000;
const CAP_MS = 50_000;

/** Lets the site run with the new plans, so compliance windows close and the meters catch up. */
export async function watch(state: RunState, o: DemoOptions, fromMs: number): Promise<void> {
  const untilMs = fromMs + o.observeS * 1000;
  progress(`watching the site until ${taipeiClock(untilMs)} Taipei (${o.observeS} s after the emergency; --observe to change) …`);
  while (Date.now() < untilMs) await sleep(Math.min(5000, untilMs - Date.now()));
  await state.observer?.sample();
  state.observer?.stop();
  state.timers.forEach(clearTimeout);
}
