/**
 * The demo's knobs, from flags (`npm run demo -- --chargers 30`) or the same names in the
 * environment (`DEMO_CHARGERS=30`). Pure, so the parsing and the derived site are unit-tested.
 */

export interface DemoOptions {
  /** Simulated chargers in all, split evenly over the groups. */
  chargers: number;
  groups: number;
  /** Share of each group's chargers with an EV plugged in. */
  sessionShare: number;
  /** How long to watch the site after the emergency was dispatched. */
  observeS: number;
  /** The emergency's kW as a share of the first group's contract. */
  emergencyShare: number;
  /** Keep the demo's groups in the planner afterwards (they are removed by default). */
  keep: boolean;
  /** Seconds between samples of the site's power. */
  sampleS: number;
  help: boolean;
}

export const DEFAULTS: DemoOptions = { chargers: 20, groups: 2, sessionShare: 0.8, observeS: 120, emergencyShare: 0.3, keep: false, sampleS: 5, help: false };

export const USAGE = `usage: npm run demo [-- options]

  --chargers N        simulated chargers in all (default ${DEFAULTS.chargers}, env DEMO_CHARGERS)
  --groups N          OSCP groups (sites) they are split over (default ${DEFAULTS.groups}, 1–6, env DEMO_GROUPS)
  --session-share F   share of chargers with an EV charging (default ${DEFAULTS.sessionShare}, env DEMO_SESSION_SHARE)
  --observe S         seconds to watch the site after the emergency (default ${DEFAULTS.observeS}, env DEMO_OBSERVE)
  --emergency-share F emergency kW as a share of group A's contract (default ${DEFAULTS.emergencyShare}, env DEMO_EMERGENCY_SHARE)
  --sample S          seconds between power samples (default ${DEFAULTS.sampleS}, env DEMO_SAMPLE)
  --keep              leave the demo's planner groups and id tags in place afterwards
  -h, --help          this text
`;

type Numeric = Exclude<keyof DemoOptions, 'keep' | 'help'>;
const FLAGS: Record<string, Numeric> = {
  '--chargers': 'chargers',
  '--groups': 'groups',
  '--session-share': 'sessionShare',
  '--observe': 'observeS',
  '--emergency-share': 'emergencyShare',
  '--sample': 'sampleS',
};
const ENV: Record<string, Numeric> = {
  DEMO_CHARGERS: 'chargers',
  DEMO_GROUPS: 'groups',
  DEMO_SESSION_SHARE: 'sessionShare',
  DEMO_OBSERVE: 'observeS',
  DEMO_EMERGENCY_SHARE: 'emergencyShare',
  DEMO_SAMPLE: 'sampleS',
};
const BOUNDS: Record<Numeric, [number, number, boolean]> = {
  chargers: [1, 500, true],
  groups: [1, 6, true],
  sessionShare: [0, 1, false],
  observeS: [10, 1800, true],
  emergencyShare: [0.01, 1, false],
  sampleS: [1, 60, true],
};

/** Parses argv and env; throws an Error whose message names the bad flag or variable. */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined> = {}): DemoOptions {
  const o: DemoOptions = { ...DEFAULTS };
  const set = (key: Numeric, raw: string | undefined, name: string) => {
    const value = Number(raw);
    const [min, max, integer] = BOUNDS[key];
    if (raw === undefined || raw === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max} (got ${JSON.stringify(raw ?? '')})`);
    }
    o[key] = value;
  };
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') set(key, env[name], name);
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '-h' || flag === '--help') o.help = true;
    else if (flag === '--keep') o.keep = true;
    else if (flag in FLAGS) set(FLAGS[flag], inline ?? args[++i], flag);
    else throw new Error(`unknown option ${arg} (see --help)`);
  }
  if (o.chargers < o.groups) throw new Error(`--chargers (${o.chargers}) must be at least --groups (${o.groups})`);
  return o;
}

export interface GroupPlan {
  /** `A`, `B`, …: the letter in station ids. */
  letter: string;
  groupId: string;
  stationIds: string[];
  /** Stations with an EV charging, the first ones of the group. */
  sessions: number;
  contractKw: number;
  /** Tomorrow's assignment per Taipei hour, kW. */
  assignedKw: number[];
  /** What we ask for tomorrow, or undefined when the assignment covers the demand. */
  requestKw?: number[];
  /** The emergency's kW, for the first group only. */
  emergencyKw?: number;
}

/** Per charger kW of contract: group A is generous, the others tighter, so the sites differ. */
const CONTRACT_KW_PER_CHARGER = [10, 7, 8, 6, 9, 7];
/** Tomorrow's evening peak (Taipei hours) where the grid assigns less than we will need. */
export const PEAK_HOURS = [17, 18, 19, 20];

/**
 * The demo site: station ids stable across runs (`DEMO-A01`), group ids unique per run (ELMO
 * accepts one adjust per group and day, so a second run on the same day needs fresh groups).
 */
export function planSite(o: Pick<DemoOptions, 'chargers' | 'groups' | 'sessionShare' | 'emergencyShare'>, runId: string): GroupPlan[] {
  return Array.from({ length: o.groups }, (_, g) => {
    const letter = String.fromCharCode(65 + g);
    const count = Math.floor(o.chargers / o.groups) + (g < o.chargers % o.groups ? 1 : 0);
    const stationIds = Array.from({ length: count }, (_, i) => `DEMO-${letter}${String(i + 1).padStart(2, '0')}`);
    const contractKw = Math.max(10, count * CONTRACT_KW_PER_CHARGER[g % CONTRACT_KW_PER_CHARGER.length]);
    // Group A: the grid assigns 80 % of the contract and half of it in the evening peak; we ask for the contract there.
    const assignedKw = Array.from({ length: 24 }, (_, h) => (g === 0 ? Math.round(contractKw * (PEAK_HOURS.includes(h) ? 0.5 : 0.8)) : contractKw));
    const requestKw = g === 0 ? assignedKw.map((v, h) => (PEAK_HOURS.includes(h) ? contractKw : v)) : undefined;
    return {
      letter,
      groupId: `DEMO-${letter}-${runId}`,
      stationIds,
      sessions: Math.round(count * o.sessionShare),
      contractKw,
      assignedKw,
      requestKw,
      emergencyKw: g === 0 ? Math.max(1, Math.round(contractKw * o.emergencyShare)) : undefined,
    };
  });
}
