/**
 * Collects what the summary shows from the services and the chargers, and prints it per group:
 * limit vs power over time, the chargers' limits now and at the emergency's start, tomorrow's plan,
 * and compliance as the planner and ELMO see it.
 */
import { drawKw, scheduledKw, stationLimitA } from './fleet.js';
import { allocation, segmentAt, timeline, type Sample } from './observe.js';
import type { GroupPlan } from './options.js';
import { call, messageOf, type Json } from './platform.js';
import type { RunState } from './run.js';
import { chargerTable, complianceRowsFrom, complianceTable, powerTable, stepLines, tomorrowTable, verdict, type ChargerRow, type ComplianceRow, type TomorrowHour, type Verdict } from './summary.js';
import { heading, lines, out, sub, taipeiClock, taipeiStamp } from './text.js';

// --- compliance as two parties see it: the planner's report per window (its operator API, when
// this planner version has it) and ELMO's view (the testbed's 15-minute averages from the
// per-minute measurements oscp sent it). Both are read, never computed here.

export type Report = { available: true; rows: ComplianceRow[]; note?: string } | { available: false; why: string };

/** Today's (Taipei) report of the planner, restricted to the demo's time span. */
export async function plannerCompliance(planner: string, groupId: string, day: string, fromMs: number): Promise<Report> {
  const a = await call(planner, 'GET', `/api/v1/groups/${encodeURIComponent(groupId)}/compliance?date=${day}`);
  if (a.status === 404 && /Cannot GET/i.test(messageOf(a.body))) return { available: false, why: 'this planner has no compliance report yet (GET /api/v1/groups/:id/compliance)' };
  if (a.status >= 300) return { available: false, why: `the planner answered ${a.status}: ${messageOf(a.body)}` };
  const rows = complianceRowsFrom(a.body).filter((r) => r.endMs > fromMs);
  const minutes = a.body?.windowMinutes ? ` of ${a.body.windowMinutes} min` : '';
  return {
    available: true,
    rows,
    note:
      rows.length === 0
        ? `no window${minutes} of the demo has been judged yet (a window is judged once it has closed)`
        : `windows${minutes}${rows.some((r) => r.compliant === undefined) ? "; '–': not judged (no reading at one end)" : ''}`,
  };
}

export interface ElmoQuarter {
  start: string;
  avgKw: number;
  limitKw: number | null;
  compliant: boolean;
}

/** ELMO's 15-minute view from the measurements it received (quarters with at least two points). */
export async function elmoCompliance(testbed: string, groupId: string, fromMs: number): Promise<ComplianceRow[]> {
  const a = await call(testbed, 'GET', `/_sim/compliance/${encodeURIComponent(groupId)}`);
  if (a.status !== 200 || !Array.isArray(a.body)) return [];
  return (a.body as ElmoQuarter[])
    .map((q) => ({ startMs: Date.parse(q.start), endMs: Date.parse(q.start) + 15 * 60_000, limitKw: q.limitKw ?? undefined, measuredKw: q.avgKw, compliant: q.limitKw === null ? undefined : q.compliant }))
    .filter((r) => r.endMs > fromMs);
}

// --- the summary --------------------------------------------------------------------------------

const TAIPEI_OFFSET_MS = 8 * 3_600_000;

async function chargerRows(state: RunState, g: GroupPlan, thenMs?: number): Promise<ChargerRow[]> {
  const view = await allocation(state.platform.url.planner, g.groupId);
  const byStation = new Map<string, Json>((view.connectors as Json[]).map((c) => [c.stationId, c]));
  const now = new Date();
  await state.fleet.refresh();
  return state.fleet.of(g.groupId).map((c) => {
    const a = byStation.get(c.sim.station.identity);
    const then = thenMs === undefined ? undefined : new Date(thenMs);
    return {
      stationId: c.sim.station.identity,
      evKw: c.evKw,
      status: a ? `${a.status}${a.reason && a.reason !== 'no session' ? ` (${a.reason})` : ''}` : 'idle',
      limitNowA: stationLimitA(c, now),
      drawNowKw: drawKw(c),
      limitThenA: then ? stationLimitA(c, then) : undefined,
      drawThenKw: then ? scheduledKw(c, then) : undefined,
    };
  });
}

async function printGroup(state: RunState, g: GroupPlan, samples: Sample[]): Promise<void> {
  const { platform } = state;
  const e = state.emergencies.get(g.groupId);
  const startMs = e?.result.status === 'done' ? e.startMs : undefined;
  heading(`${g.groupId}: contract ${g.contractKw} kW, ${g.stationIds.length} chargers, ${g.sessions} EVs`);

  sub('Limit vs power (rows marked * are future instants: what the chargers\' own schedules will let them draw)');
  lines(powerTable(samples, state.settledAtMs));

  sub(startMs ? `Chargers: station limit (A per phase) now and at the emergency start ${taipeiClock(startMs)}` : 'Chargers: station limit (A per phase) and draw now');
  lines(chargerTable(await chargerRows(state, g, startMs), startMs ? taipeiClock(startMs).slice(0, 5) : undefined));

  if (state.windows?.dayAhead.ok) {
    const dayStart = Date.parse(`${state.windows.tomorrow}T00:00:00+08:00`);
    const segments = await timeline(platform.url.planner, g.groupId, dayStart, dayStart + 24 * 3_600_000);
    const day = state.tomorrow.get(g.groupId) ?? {};
    const hours = Array.from({ length: 24 }, (_, h): TomorrowHour => {
      const segment = segmentAt(segments, dayStart + h * 3_600_000);
      return { hour: h, assignedKw: day.assignedKw?.[h], requestedKw: day.requestedKw?.[h], grantedKw: day.grantedKw?.[h], limitKw: segment?.limitKw, source: segment?.source };
    });
    sub(`Tomorrow (${state.windows.tomorrow}): ELMO's assignment, our request, ELMO's reply, and the limit the planner holds`);
    lines(tomorrowTable(hours));
  }

  const today = new Date(Date.now() + TAIPEI_OFFSET_MS).toISOString().slice(0, 10);
  const planner = await plannerCompliance(platform.url.planner, g.groupId, today, state.startedAtMs);
  sub('Compliance (planner, measured group power against the effective limit per window)');
  if (!planner.available) out(`  not available: ${planner.why}`);
  else {
    if (planner.rows.length > 0) lines(complianceTable(planner.rows));
    if (planner.note) out(`  (${planner.note})`);
  }
  if (planner.available && !state.platform.started.includes('planner')) out('  (the running planner keeps its own window length; a planner started by the demo uses 1-minute windows)');

  const elmo = await elmoCompliance(platform.url['elmo-testbed'], g.groupId, state.startedAtMs);
  sub("Compliance (ELMO's view: 15-minute averages from the per-minute measurements oscp sent)");
  if (elmo.length === 0) out('  no quarter with two measurements yet (oscp reports every minute; ELMO averages per quarter-hour)');
  else {
    lines(complianceTable(elmo));
    out("  (limit '–': no day plan or emergency in force for today; ELMO knows no contract capacity)");
  }
}

/** Prints the whole summary and returns the verdict the exit code follows. */
export async function printSummary(state: RunState): Promise<Verdict> {
  const all: Sample[] = [...(state.observer?.samples ?? [])];
  for (const g of state.groups) {
    const e = state.emergencies.get(g.groupId);
    if (e?.result.status === 'done' && e.startMs !== undefined && state.observer) {
      all.push(...(await state.observer.project(g.groupId, [
        { atMs: e.startMs - 1000, note: 'scheduled: 1 s before the emergency' },
        { atMs: e.startMs, note: 'scheduled: emergency starts' },
      ])));
    }
  }
  heading(`Summary (run started ${taipeiStamp(state.startedAtMs)} Taipei)`);
  sub("ELMO's day played back to back, and an operator cap");
  lines(stepLines(state.steps));
  for (const g of state.groups) await printGroup(state, g, all.filter((s) => s.groupId === g.groupId));
  const v = verdict(state.steps, all, state.settledAtMs);
  heading('Result');
  if (v.ok) out('  OK: every step that the time of day allows was accepted and classified as expected, and the chargers stayed within the limit once settled (and are scheduled to at the emergency start).');
  else v.problems.forEach((p) => out(`  PROBLEM: ${p}`));
  const skippedSteps = state.steps.filter((s) => s.status === 'skipped');
  if (skippedSteps.length > 0) out(`  ${skippedSteps.length} step(s) skipped because of the time of day (see above); they are not faked.`);
  if ((state.observer?.errors ?? 0) > 0) out(`  ${state.observer!.errors} sample(s) could not be taken (slow answers); the table has gaps there.`);
  return v;
}
