/**
 * cp-simulator: OCPP 1.6-J charge points on a laptop.
 *
 *   npm run sim -- --url ws://127.0.0.1:3002/ocpp --count 10 --connectors 2 --session-every 60 --duration 300
 *
 * Prints a progress line every 2 s and a JSON report at the end. Sessions use the token
 * TAG-<identity> (hashed when longer than 20 characters, see token.ts); the central system must know it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Fleet, refusalHint } from './fleet.js';
import { validateScenario, type ScenarioStep } from './scenario.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:3002/ocpp' },
    count: { type: 'string', default: '1' },
    'id-pattern': { type: 'string', default: 'SIM-{n}' },
    connectors: { type: 'string', default: '2' },
    'max-current': { type: 'string', default: '32' },
    phases: { type: 'string', default: '3' },
    voltage: { type: 'string', default: '230' },
    'basic-key': { type: 'string' },
    'meter-interval': { type: 'string', default: '60' },
    'session-every': { type: 'string', default: '0' },
    'session-minutes': { type: 'string', default: '30' },
    'ev-max-kw': { type: 'string', default: '11' },
    'ramp-ms': { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    config: { type: 'string', short: 'c' },
    help: { type: 'boolean', short: 'h' },
  },
});

// A YAML/JSON file supplies the same settings by flag name (e.g. `count: 200`, `session-every: 30`);
// flags given on the command line win.
let scenario: ScenarioStep[] | undefined;
if (values.config) {
  const file = parseYaml(readFileSync(values.config, 'utf8')) as Record<string, unknown>;
  if (file && 'scenario' in file) {
    const problems = validateScenario(file.scenario);
    if (problems.length) {
      process.stderr.write(`${values.config}: ${problems.join('; ')}\n`);
      process.exit(2);
    }
    scenario = file.scenario as ScenarioStep[];
    delete file.scenario;
  }
  const given = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]));
  for (const [k, v] of Object.entries(file ?? {})) {
    if (!(k in values) || k === 'config') {
      process.stderr.write(`${values.config}: unknown setting "${k}"\n`);
      process.exit(2);
    }
    if (!given.has(k)) (values as Record<string, unknown>)[k] = String(v);
  }
}

if (values.help) {
  process.stdout.write(
    'cp-simulator [--config fleet.yaml] --url ws://host:3002/ocpp [--count N] [--id-pattern SIM-{n}] [--connectors 2] [--max-current 32] [--phases 3] [--voltage 230]\n' +
      '             [--basic-key KEY] [--meter-interval 60] [--session-every S] [--session-minutes 30] [--ev-max-kw 11] [--ramp-ms 10] [--duration 60]\n' +
      'Sessions authorize with the token TAG-<identity>, or TAG-<16 hex digits of its SHA-256> when that is over 20 characters;\n' +
      'the central system must accept it (create it first, see docs/cp-simulator.md).\n',
  );
  process.exit(0);
}

const num = (name: keyof typeof values, min = 0): number => {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v < min) {
    process.stderr.write(`--${name}: expected a number ≥ ${min}, got "${values[name]}"\n`);
    process.exit(2);
  }
  return v;
};

const phases = num('phases', 1);
const fleet = new Fleet({
  url: values.url!,
  count: num('count', 1),
  idPattern: values['id-pattern']!,
  station: { connectors: num('connectors', 1), maxCurrentA: num('max-current', 6), phases: phases === 1 ? 1 : 3, voltageV: num('voltage', 100) },
  basicAuthKey: values['basic-key'],
  meterIntervalS: num('meter-interval', 1),
  sessionEveryS: num('session-every'),
  sessionMinutes: num('session-minutes'),
  evMaxKw: num('ev-max-kw'),
  rampMs: num('ramp-ms'),
  durationS: num('duration', 1),
  scenario,
});

let lastMessages = 0;
const report = await fleet.run((r) => {
  const rate = (r.messages - lastMessages) / 2;
  lastMessages = r.messages;
  process.stderr.write(
    `\rconnected ${r.connected}/${r.stations}  booted ${r.booted}  sessions ${r.sessionsStarted}/${r.sessionsStopped}  messages ${r.messages} (${rate.toFixed(0)}/s)  errors ${r.errors}   `,
  );
});
process.stderr.write('\n');
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
const hint = refusalHint(report, fleet.tokens());
if (hint) process.stderr.write(`${hint}\n`);
process.exit(report.errors > 0 ? 1 : 0);
