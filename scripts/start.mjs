// Runs the platform's services from the compiled output (dist/, made by `npm run build`).
//
//   npm start                      all five apps (prestart brings up the infrastructure and builds)
//   npm start -- ocpp planner      a subset
//   npm run start:app -- ocpp      same, without the prestart step
//
// Apps read their configuration only from environment variables; this passes process.env through
// unchanged, except NODE_ENV, which defaults to `development`.
//
// Signals: each app runs in its own process group, so a Ctrl-C in the terminal reaches only this
// script, which then sends exactly one SIGTERM to every app and waits for their graceful shutdown
// (a second Ctrl-C, or SHUTDOWN_TIMEOUT_MS + 5 s, escalates to SIGKILL). SIGTERM and SIGHUP do the
// same. If one app fails (e.g. at boot) the others get SIGTERM too and this exits non-zero. Exit 0
// only when every app stopped cleanly.
//
// This uses concurrently's lower-level `createConcurrently` (same package, v9) rather than the
// default export: the default export always re-sends the received signal itself (SIGINT on Ctrl-C,
// via tree-kill) on top of the terminal's own SIGINT to the process group, and a second SIGINT kills
// an app in the middle of its shutdown (the platform listens with `process.once`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, createConcurrently, LogError, LogExit, Logger, LogOutput } from 'concurrently';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APPS = {
  ocpp: 'cyan',
  oscp: 'magenta',
  planner: 'green',
  'rems-ingest': 'yellow',
  'ocpi-hub': 'blue',
};
/** Tools that run only when named, e.g. `npm run start:app -- elmo-testbed`. */
const TOOLS = { 'elmo-testbed': 'gray' };
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function fail(message, code = 2) {
  process.stderr.write(`[start] ${message}\n`);
  process.exit(code);
}

// --- which apps --------------------------------------------------------------------------------
const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(`usage: npm start [-- <app> ...]\napps: ${Object.keys(APPS).join(', ')}\ntools: ${Object.keys(TOOLS).join(', ')}\n`);
  process.exit(0);
}
const unknown = args.filter((a) => !(a in APPS) && !(a in TOOLS));
if (unknown.length > 0) {
  fail(`unknown app${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Valid apps: ${[...Object.keys(APPS), ...Object.keys(TOOLS)].join(', ')}`);
}
const selected = args.length > 0 ? [...new Set(args)] : Object.keys(APPS);

const entry = (app) => `dist/apps/${app}/src/main.js`;
const notBuilt = selected.filter((app) => !existsSync(join(root, entry(app))));
if (notBuilt.length > 0) {
  fail(`not built: ${notBuilt.map(entry).join(', ')}. Run \`npm run build\` first (\`npm start\` does it for you).`);
}

process.env.NODE_ENV ||= 'development';
const shutdownTimeoutMs = (Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000) + 5_000;

// --- run ---------------------------------------------------------------------------------------
const logger = new Logger({ prefixFormat: 'name' });
logger.setPrefixLength(Math.max(...selected.map((app) => app.length)));

/** Spawns each app as the leader of its own process group (`exec` drops the intermediate shell). */
const spawnDetached = (command, options) => spawn('/bin/sh', ['-c', `exec ${command}`], { ...options, detached: true });
/** Signals the app's whole process group; falls back to the pid alone. */
const killGroup = (pid, signal = 'SIGTERM') => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
};

const { commands, result } = createConcurrently(
  selected.map((app) => ({
    name: app,
    command: `node --enable-source-maps ${entry(app)}`,
    prefixColor: APPS[app] ?? TOOLS[app],
    cwd: root,
  })),
  {
    logger,
    outputStream: process.stdout,
    cwd: root,
    spawn: spawnDetached,
    kill: killGroup,
    successCondition: 'all',
    controllers: [
      new LogError({ logger }),
      new LogOutput({ logger }),
      new LogExit({ logger }),
      // Like concurrently's KillOthers on 'failure', but sharing the stop logic below, so an app
      // that is already shutting down never gets a second SIGTERM (that would kill it mid-way).
      {
        handle: (cmds) => {
          cmds.forEach((c) => c.close.subscribe((e) => e.exitCode !== 0 && stop(`${c.name} exited with ${e.exitCode}`)));
          return { commands: cmds };
        },
      },
    ],
  },
);

let stopRequested = false;
let forceTimer;
const running = () => commands.filter((c) => Command.canKill(c));
const killAll = (signal) => running().forEach((c) => c.kill(signal));

function stop(reason) {
  if (stopRequested) return false;
  stopRequested = true;
  if (running().length === 0) return true;
  logger.logGlobalEvent(`${reason}: sending SIGTERM to ${running().length} app(s) (Ctrl-C again to force)`);
  killAll('SIGTERM');
  forceTimer = setTimeout(() => {
    logger.logGlobalEvent(`apps still running after ${shutdownTimeoutMs} ms: sending SIGKILL`);
    killAll('SIGKILL');
  }, shutdownTimeoutMs);
  forceTimer.unref();
  return true;
}
// Under `npm start`, one Ctrl-C arrives twice: from the terminal (to the whole foreground group)
// and forwarded by npm. Only a signal well after the first counts as "again".
const REPEAT_GRACE_MS = 1000;
let firstSignalAt = 0;
function onSignal(signal) {
  if (firstSignalAt === 0) firstSignalAt = Date.now();
  else if (Date.now() - firstSignalAt < REPEAT_GRACE_MS) return;
  if (!stop(`${signal} received`)) {
    logger.logGlobalEvent(`${signal} again: sending SIGKILL to ${running().length} app(s)`);
    killAll('SIGKILL');
  }
}
STOP_SIGNALS.forEach((signal) => process.on(signal, onSignal));

// `npm start` runs this under `sh -c`, and Debian's dash does not exec: npm forwards SIGTERM to
// that shell, which dies without passing it on. Treat losing our parent like SIGTERM.
const parentPid = process.ppid;
const parentWatch = setInterval(() => process.ppid !== parentPid && stop('parent process exited'), 500);
parentWatch.unref();

/** Clean = exit code 0, or ended by the SIGTERM we sent when asked to stop (e.g. still booting). */
const clean = (event) => event.exitCode === 0 || (stopRequested && event.exitCode === 'SIGTERM');

result
  .catch((events) => events)
  .then((events) => {
    clearTimeout(forceTimer);
    clearInterval(parentWatch);
    STOP_SIGNALS.forEach((signal) => process.off(signal, onSignal));
    const failed = (Array.isArray(events) ? events : []).filter((e) => !clean(e));
    if (failed.length > 0 || !Array.isArray(events)) {
      const list = failed.map((e) => `${e.command.name} (${e.exitCode})`).join(', ');
      process.stderr.write(`[start] stopped with failures: ${list || String(events)}\n`);
      process.exit(1);
    }
    process.stdout.write(`[start] all apps stopped cleanly\n`);
    process.exit(0);
  });
