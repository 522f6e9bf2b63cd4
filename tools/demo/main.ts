/**
 * `npm run demo`: a day of grid capacity on a small site, end to end on the real services.
 *
 * ELMO testbed ──OSCP──► oscp ──bus──► planner ──bus──► ocpp ──OCPP 1.6-J──► simulated chargers
 *
 * Uses the running platform (or starts the missing services and stops them at the end), connects
 * oscp to the ELMO testbed, puts a fleet of simulated chargers with EVs on two groups, plays ELMO's
 * day back to back (assignment, adjust request, reply, emergency) and prints per group the limit
 * against the power over time, the chargers' limits and compliance. See docs/demo.md.
 *
 * Exit: 0 when every step the time of day allows worked and the chargers held the limit; 1 when
 * something did not; 2 for a bad option.
 */
import { dayWindows } from './day.js';
import { endRegistration } from './elmo.js';
import { DemoFleet } from './fleet.js';
import { DEFAULTS, parseOptions, planSite, USAGE, type DemoOptions } from './options.js';
import { call, DemoError, ensurePlatform } from './platform.js';
import { printSummary } from './report.js';
import { emergencyOnChargers, operatorCap, playDay, setUpSite, startCharging, watch, type RunState } from './run.js';
import { heading, lines, out, step, taipeiClock } from './text.js';

function intro(o: DemoOptions, runId: string): void {
  const w = dayWindows(Date.now(), process.env.OSCP_ADJUST_CUTOFF ?? '14:00');
  heading('CPO platform demo: grid capacity → per-charger limits, end to end');
  lines([
    `It is ${taipeiClock(Date.now())} in Taipei. ELMO's day normally spreads over hours: assignment for tomorrow at 10:00,`,
    'our adjust request before 14:00, the reply by 16:00, emergencies at any time (≥ 15 min ahead). The platform runs',
    'on the wall clock, so the demo plays these steps back to back now, wherever the rules allow it at this time:',
    `  day-ahead assignment and reply: ${w.dayAhead.ok ? 'possible now' : `not now (${w.dayAhead.why})`}`,
    `  adjust request: ${w.adjust.ok ? `possible now (${w.adjust.minutesLeft} min before the 14:00 cut-off)` : `not now (${w.adjust.why})`}`,
    `  emergency: possible now; it would start at ${taipeiClock(w.emergencyStartMs).slice(0, 5)}, so its switch is shown from the chargers' schedules`,
    o.groups > 1 ? 'Then an operator cap on the other group(s) for a minute: a limit step you see the measured power follow.' : 'One group only: no operator cap (it goes on the groups without an emergency).',
    `Site: ${o.chargers} simulated chargers in ${o.groups} group(s), run ${runId}${o.chargers === DEFAULTS.chargers ? '' : ' (custom size)'}.`,
  ]);
  out('');
}

async function cleanUp(state: RunState | undefined, o: DemoOptions): Promise<void> {
  if (!state) return;
  state.observer?.stop();
  state.timers.forEach(clearTimeout);
  await state.fleet.stop(!o.keep);
  if (state.link && !(await endRegistration(state.link).catch(() => false))) {
    process.stderr.write(`demo: could not end the OSCP registration of partner ${state.link.partnerId}; oscp keeps sending it measurements\n`);
  }
  if (!o.keep) {
    // Left behind, the groups would stay planned with their chargers gone (uncontrolled, compliance alarms).
    for (const g of state.plannerGroupsCreated) await call(state.platform.url.planner, 'DELETE', `/api/v1/groups/${encodeURIComponent(g)}`).catch(() => undefined);
  }
  if (state.platform.started.length > 0) {
    step(`stopping ${state.platform.started.join(', ')} …`);
    await state.platform.stop();
  }
}

async function main(): Promise<number> {
  let o: DemoOptions;
  try {
    o = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    out(USAGE);
    return 0;
  }
  // Taipei HHMMSS: unique per run (ELMO takes one adjust per group and day), readable in every id.
  const runId = taipeiClock(Date.now()).replace(/:/g, '');
  intro(o, runId);
  let state: RunState | undefined;
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ndemo: interrupted; cleaning up (Ctrl-C again to quit at once) …\n');
    void cleanUp(state, o).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const platform = await ensurePlatform(step);
    const groups = planSite(o, runId);
    state = {
      platform,
      groups,
      fleet: new DemoFleet(platform.url.ocpp, runId),
      steps: [],
      emergencies: new Map(),
      tomorrow: new Map(),
      settledAtMs: Number.POSITIVE_INFINITY,
      startedAtMs: Date.now(),
      plannerGroupsCreated: [],
      timers: [],
    };
    await setUpSite(state, runId);
    await startCharging(state, o);
    await playDay(state);
    const dispatchedAt = Date.now();
    await emergencyOnChargers(state);
    await operatorCap(state, o);
    await watch(state, o, dispatchedAt);
    const v = await printSummary(state);
    return v.ok ? 0 : 1;
  } catch (err) {
    out('');
    if (err instanceof DemoError) process.stderr.write(`demo failed: ${err.message}\n`);
    else process.stderr.write(`demo failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (state?.platform.logFile) process.stderr.write(`service logs: ${state.platform.logFile}\n`);
    return 1;
  } finally {
    if (!interrupted) await cleanUp(state, o).catch((err: unknown) => process.stderr.write(`demo: clean-up: ${(err as Error).message}\n`));
  }
}

main().then((code) => process.exit(code));
