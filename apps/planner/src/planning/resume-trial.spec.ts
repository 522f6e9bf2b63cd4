import fc from 'fast-check';
import { allocate, type AllocationInput, type AllocationResult, type ChargerSpec, type ConnectorDemand, type SitePhase } from '../allocation/index.js';
import { resumeTrial, type TrialBase } from './resume-trial.js';
import { linearResumeTrial } from './test/linear-resume-trial.js';

const THREE: SitePhase[] = ['L1', 'L2', 'L3'];
const threshold = (d: ConnectorDemand): number => (d.minimum ?? 6) + 1;

function counting(): { allocator: (input: AllocationInput) => AllocationResult; calls: () => number } {
  let calls = 0;
  return {
    allocator: (input) => {
      calls++;
      return allocate(input);
    },
    calls: () => calls,
  };
}

/** `charging` sessions charging and `waiting` waiting, one per 32 A three-phase station, at 230 V. */
function alike(charging: number, waiting: number, availableW: number): { base: TrialBase; demands: ConnectorDemand[]; waitingIds: Set<string> } {
  const total = charging + waiting;
  const chargers: ChargerSpec[] = Array.from({ length: total }, (_, i) => ({ id: `CP${i}`, current: 'AC', phases: THREE, maxCurrentA: 32, controllable: true }));
  const demands = chargers.map((c, i): ConnectorDemand => ({ id: `${c.id}/1`, chargerId: c.id, phases: THREE, minimum: 6, maxima: { rating: 32 }, priority: 0, arrivalMs: i * 1000, charging: i < charging }));
  return { base: { nominalVoltageV: 230, availableW, chargers }, demands, waitingIds: new Set(demands.slice(charging).map((d) => d.id)) };
}

/** Stations of two connectors behind one rating each (`ratings`), connector 1 charging, connector 2 waiting. */
function sharedStations(ratings: number[], availableW: number, over: { minimumOfWaiting?: number; evOfCharging?: (number | undefined)[]; priorityOfCharging?: number[] } = {}) {
  const chargers: ChargerSpec[] = ratings.map((maxCurrentA, i) => ({ id: `CP${i}`, current: 'AC', phases: THREE, maxCurrentA, controllable: true }));
  const demands = chargers.flatMap((c, i) =>
    [1, 2].map(
      (k): ConnectorDemand => ({
        id: `${c.id}/${k}`,
        chargerId: c.id,
        phases: THREE,
        minimum: k === 2 ? over.minimumOfWaiting : undefined,
        maxima: { rating: c.maxCurrentA!, ev: k === 1 ? over.evOfCharging?.[i] : undefined },
        priority: k === 1 ? (over.priorityOfCharging?.[i] ?? 0) : 0,
        arrivalMs: i * 10 + k,
        charging: k === 1,
      }),
    ),
  );
  const base: TrialBase = { nominalVoltageV: 230, availableW, chargers };
  return { base, demands, waiting: (d: ConnectorDemand): boolean => d.id.endsWith('/2') };
}

describe('resumeTrial', () => {
  it('needs one allocation, not one per waiting session, to find that none of 100 alike waiting sessions fits', () => {
    // 100 charging at 6.8 A each: a 101st would bring everyone to 6.73 A, below 6 A + 1 A.
    const { base, demands, waitingIds } = alike(100, 100, 100 * 6.8 * 3 * 230);
    const fast = counting();
    const result = resumeTrial(base, demands, (d) => waitingIds.has(d.id), threshold, fast.allocator);
    expect(result).toEqual(linearResumeTrial(base, demands, (d) => waitingIds.has(d.id), threshold));
    expect(result.connectors.filter((a) => a.status === 'charging')).toHaveLength(100);
    // The members alone, then the first waiting session; the other 99 are the same problem.
    expect(fast.calls()).toBe(2);
  });

  it('admits the waiting sessions that fit, then stops allocating once the next kind does not', () => {
    // Room for 20 × 7 A: 12 charging plus 8 of the 30 waiting ones.
    const { base, demands, waitingIds } = alike(12, 30, 20 * 7 * 3 * 230);
    const fast = counting();
    const result = resumeTrial(base, demands, (d) => waitingIds.has(d.id), threshold, fast.allocator);
    expect(result).toEqual(linearResumeTrial(base, demands, (d) => waitingIds.has(d.id), threshold));
    expect(result.connectors.filter((a) => a.status === 'charging').map((a) => a.id)).toEqual(demands.slice(0, 20).map((d) => d.id).sort());
    // The members, 8 admissions and one misfit.
    expect(fast.calls()).toBe(10);
  });

  it('shares the answer between waiting sessions beside a charging one on alike stations while the station ratings stay clear', () => {
    // Two connectors behind one 32 A rating, about 6.8 A each: the rating could bind but does not come near.
    const { base, demands, waiting } = sharedStations([32, 32, 32, 32, 32, 32, 32, 32, 32, 32], 10 * 6.8 * 3 * 230);
    const fast = counting();
    expect(resumeTrial(base, demands, waiting, threshold, fast.allocator)).toEqual(linearResumeTrial(base, demands, waiting, threshold));
    expect(fast.calls()).toBe(2);
  });

  it('allocates again for a waiting session beside a charging one when the misfit\'s station rating was what held it down', () => {
    // 16 A stations, the waiting connectors' minimum 8 A: CP0's gets 8 A beside its neighbour (below
    // 9 A); on CP1 the neighbour's EV takes 6 A, so the waiting one gets 10 A and resumes.
    const { base, demands, waiting } = sharedStations([16, 16], 60 * 3 * 230, { minimumOfWaiting: 8, evOfCharging: [undefined, 6] });
    const fast = counting();
    const result = resumeTrial(base, demands, waiting, threshold, fast.allocator);
    expect(result).toEqual(linearResumeTrial(base, demands, waiting, threshold));
    expect(result.connectors.map((a) => [a.id, a.status, a.limit])).toEqual([
      ['CP0/1', 'charging', 16],
      ['CP1/1', 'charging', 6],
      ['CP1/2', 'charging', 10],
    ]);
    expect(fast.calls()).toBe(3);
  });

  it('allocates again for a waiting session beside a charging one when its own station rating would come near', () => {
    // CP0's waiting connector misses 9 A with its rating far from full; on CP1 a priority neighbour takes
    // most of the 32 A, so that misfit says nothing about CP1's waiting connector: it gets its own allocation.
    const { base, demands, waiting } = sharedStations([32, 32], 49 * 3 * 230, { minimumOfWaiting: 8, priorityOfCharging: [0, 1] });
    const fast = counting();
    const result = resumeTrial(base, demands, waiting, threshold, fast.allocator);
    expect(result).toEqual(linearResumeTrial(base, demands, waiting, threshold));
    expect(result.connectors.filter((a) => a.status === 'charging').map((a) => a.id)).toEqual(['CP0/1', 'CP1/1']);
    expect(fast.calls()).toBe(3);
  });

  it('does not take a waiting session held down by the station rating it shares for one alone on an alike station', () => {
    // 16 A stations, minimum 8 A: on CP0 the waiting connector would share 16 A with a charging one (8 A, below 9 A); CP1's is alone.
    const chargers: ChargerSpec[] = ['CP0', 'CP1'].map((id) => ({ id, current: 'AC', phases: THREE, maxCurrentA: 16, controllable: true }));
    const demand = (id: string, chargerId: string, arrivalMs: number, charging: boolean): ConnectorDemand => ({ id, chargerId, phases: THREE, minimum: 8, maxima: { rating: 16 }, priority: 0, arrivalMs, charging });
    const demands = [demand('CP0/1', 'CP0', 0, true), demand('CP0/2', 'CP0', 1, false), demand('CP1/1', 'CP1', 2, false)];
    const base: TrialBase = { nominalVoltageV: 230, availableW: 40 * 3 * 230, chargers };
    const waiting = (d: ConnectorDemand): boolean => !d.charging;
    const result = resumeTrial(base, demands, waiting, threshold);
    expect(result).toEqual(linearResumeTrial(base, demands, waiting, threshold));
    expect(result.connectors.map((a) => [a.id, a.status, a.limit])).toEqual([
      ['CP0/1', 'charging', 16],
      ['CP1/1', 'charging', 16],
    ]);
  });
});

const PHASE_CHOICES: readonly (readonly SitePhase[])[] = [THREE, THREE, ['L1'], ['L2'], ['L3']];

/** A few station kinds, repeated: alike candidates are what the fast trial exploits, so the test needs many. */
const kindArb = fc.record({
  connectors: fc.integer({ min: 1, max: 2 }),
  maxCurrentA: fc.constantFrom<number | undefined>(10, 16, 32, 63, undefined),
  // A single-phase station: its sessions draw on its one phase.
  stationPhases: fc.constantFrom<readonly SitePhase[]>(THREE, THREE, ['L1'], ['L2']),
  integerAmpsOnly: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  dc: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  phases: fc.constantFrom(...PHASE_CHOICES),
  minimum: fc.constantFrom<number | undefined>(undefined, undefined, 6, 8),
  rating: fc.constantFrom(16, 32),
  ev: fc.constantFrom<number | undefined>(undefined, undefined, 10, 20),
  priority: fc.constantFrom(0, 0, 1),
});

// `waitingConnector`: which connector of a two-connector station may wait; `neighbour`: the other
// one's priority and arrival, so it may come before or after the waiting one in admission order.
const sessionArb = fc.record({
  kind: fc.nat(),
  arrival: fc.integer({ min: 0, max: 4 }),
  charging: fc.boolean(),
  waiting: fc.boolean(),
  second: fc.boolean(),
  waitingConnector: fc.constantFrom(1, 2),
  neighbour: fc.record({ priority: fc.constantFrom<number | undefined>(undefined, 0, 1, 2), arrival: fc.integer({ min: 0, max: 4 }) }),
});

const groupArb = fc.record({
  kinds: fc.array(kindArb, { minLength: 1, maxLength: 3 }),
  stations: fc.array(sessionArb, { minLength: 1, maxLength: 40 }),
  perSessionA: fc.double({ min: 0, max: 20, noNaN: true }),
  voltage: fc.constantFrom(220, 230),
  fuse: fc.option(fc.integer({ min: 20, max: 400 }), { freq: 3, nil: undefined }),
  deltaA: fc.constantFrom(0, 0.5, 1),
});

type Scenario = typeof groupArb extends fc.Arbitrary<infer T> ? T : never;

function build(sc: Scenario) {
  const chargers: ChargerSpec[] = [];
  const demands: ConnectorDemand[] = [];
  const waitingIds = new Set<string>();
  sc.stations.forEach((s, i) => {
    const k = sc.kinds[s.kind % sc.kinds.length];
    const id = `CP${String(i).padStart(2, '0')}`;
    chargers.push(k.dc ? { id, current: 'DC', phases: THREE, maxPowerW: 50_000, controllable: true, stepW: 100 } : { id, current: 'AC', phases: k.stationPhases, maxCurrentA: k.maxCurrentA, controllable: true, integerAmpsOnly: k.integerAmpsOnly });
    const count = k.connectors === 2 && s.second ? 2 : 1;
    const waitingC = count === 2 ? s.waitingConnector : 1;
    for (let c = 1; c <= count; c++) {
      const neighbour = c !== waitingC;
      const d: ConnectorDemand = {
        id: `${id}/${c}`,
        chargerId: id,
        phases: k.dc ? THREE : k.stationPhases.length === 1 ? k.stationPhases : k.phases,
        minimum: k.dc ? (k.minimum ?? 6) * 500 : k.minimum,
        maxima: k.dc ? { rating: k.rating * 1500 } : { rating: k.rating, ev: k.ev },
        priority: neighbour ? (s.neighbour.priority ?? k.priority) : k.priority,
        arrivalMs: neighbour ? s.neighbour.arrival : s.arrival,
        // A waiting session is paused, so it never counts as charging; the station's other connector always charges.
        charging: neighbour || (s.charging && !s.waiting),
      };
      demands.push(d);
      if (!neighbour && s.waiting) waitingIds.add(d.id);
    }
  });
  const base: TrialBase = {
    nominalVoltageV: sc.voltage,
    availableW: demands.length * sc.perSessionA * 3 * sc.voltage,
    phaseLimitA: sc.fuse === undefined ? undefined : { L1: sc.fuse, L2: sc.fuse * 2, L3: sc.fuse * 2 },
    chargers,
  };
  const thresholdA = (d: ConnectorDemand): number => (d.minimum ?? 6) + sc.deltaA;
  return { base, demands, waiting: (d: ConnectorDemand) => waitingIds.has(d.id), thresholdA };
}

describe('resumeTrial properties', () => {
  it('gives exactly the trial of the one-allocation-per-waiting-session version, with no more allocations', () => {
    fc.assert(
      fc.property(groupArb, (sc) => {
        const { base, demands, waiting, thresholdA } = build(sc);
        const fast = counting();
        const result = resumeTrial(base, demands, waiting, thresholdA, fast.allocator);
        expect(result).toEqual(linearResumeTrial(base, demands, waiting, thresholdA));
        expect(fast.calls()).toBeLessThanOrEqual(1 + demands.filter(waiting).length);
      }),
      { numRuns: 400 },
    );
  });

  // Alike waiting sessions beside a charging neighbour on stations with a tight shared rating, the
  // neighbour before or after them in admission order: where a misfit's shared rating decides the
  // answer for one candidate and not for an alike one. The wide property above rarely builds this.
  it('gives the same trial on stations shared with a neighbour at another place in admission order', () => {
    const sharedArb = fc.record({
      maxCurrentA: fc.constantFrom(10, 12, 16),
      minimum: fc.constantFrom<number | undefined>(undefined, 6, 8),
      phases: fc.constantFrom<readonly SitePhase[]>(THREE, ['L1']),
      integerAmpsOnly: fc.boolean(),
      stations: fc.array(fc.record({ waitingConnector: fc.constantFrom(1, 2), neighbourPriority: fc.constantFrom(0, 1, 2), arrival: fc.integer({ min: 0, max: 2 }) }), { minLength: 2, maxLength: 8 }),
      perStationA: fc.double({ min: 4, max: 16, noNaN: true }),
      deltaA: fc.constantFrom(0, 1),
    });
    fc.assert(
      fc.property(sharedArb, (sc) => {
        const chargers: ChargerSpec[] = [];
        const demands: ConnectorDemand[] = [];
        const waitingIds = new Set<string>();
        sc.stations.forEach((s, i) => {
          const id = `CP${String(i).padStart(2, '0')}`;
          chargers.push({ id, current: 'AC', phases: sc.phases, maxCurrentA: sc.maxCurrentA, controllable: true, integerAmpsOnly: sc.integerAmpsOnly });
          for (const c of [1, 2]) {
            const waits = c === s.waitingConnector;
            const d: ConnectorDemand = { id: `${id}/${c}`, chargerId: id, phases: sc.phases, minimum: sc.minimum, maxima: { rating: 16 }, priority: waits ? 1 : s.neighbourPriority, arrivalMs: waits ? 0 : s.arrival, charging: !waits };
            demands.push(d);
            if (waits) waitingIds.add(d.id);
          }
        });
        const base: TrialBase = { nominalVoltageV: 220, availableW: sc.stations.length * sc.perStationA * sc.phases.length * 220, chargers };
        const waiting = (d: ConnectorDemand) => waitingIds.has(d.id);
        const thresholdA = (d: ConnectorDemand): number => (d.minimum ?? 6) + sc.deltaA;
        expect(resumeTrial(base, demands, waiting, thresholdA)).toEqual(linearResumeTrial(base, demands, waiting, thresholdA));
      }),
      { numRuns: 300 },
    );
  });
});
