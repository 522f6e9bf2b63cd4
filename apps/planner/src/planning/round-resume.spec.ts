import fc from 'fast-check';
import type { ConnectorLive, PreviousTarget, RoundInput, RoundResult } from './round-types.js';
import { planRound } from './round.js';
import { NOW, V, after, group, input, session, station, timeline } from './test/round-fixtures.js';

const paused = (stationId: string, sinceMs = NOW - 600_000): [string, PreviousTarget] => [
  `${stationId}/1`,
  { status: 'paused', unit: 'A', limit: 0, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'paused', sinceMs } },
];

/** Runs rounds `everyMs` apart from `start`, each seeing what the one before stored, and returns them all. */
function rounds(start: RoundInput, count: number, everyMs: number, connectorsAt: (nowMs: number) => ReadonlyMap<string, ConnectorLive> = () => start.connectors): RoundResult[] {
  const out: RoundResult[] = [];
  let current = start;
  for (let i = 0; i < count; i++) {
    const result = planRound(current);
    out.push(result);
    const nowMs = current.nowMs + everyMs;
    current = { ...current, ...after(result, current), nowMs, timeline: timeline(current.group, [], nowMs), connectors: connectorsAt(nowMs) };
  }
  return out;
}

const statusOf = (r: RoundResult, stationId: string) => r.targets.find((t) => t.stationId === stationId)?.status;
const chargingIds = (r: RoundResult) => r.targets.filter((t) => t.status === 'charging').map((t) => t.stationId);

describe('planRound resuming paused sessions', () => {
  // The soak test: 9 kW, 5 % margin, 230 V → 8.55 kW = 12.39 A; two sessions share it at 6.19 A each, below 6 A + 1 A.
  const four = { ...group(9, [station('S1'), station('S2'), station('S3'), station('S4')], 0.05), nominalVoltageV: 230 };

  it('resumes a waiting session once nothing charges, even when all waiting ones together would get less than the threshold each', () => {
    const first = new Map([session('S1', 1, NOW - 60_000), session('S2', 1, NOW - 50_000)]);
    const all = new Map([...first, session('S3', 1, NOW + 5_000), session('S4', 1, NOW + 15_000)]);
    const late = new Map([session('S3', 1, NOW + 5_000), session('S4', 1, NOW + 15_000)]);
    // S1 and S2 charge, S3 and S4 arrive 10 s later and wait, S1 and S2 stop after 5 min.
    const connectorsAt = (t: number) => (t < NOW + 10_000 ? first : t < NOW + 300_000 ? all : late);
    const results = rounds(input(four, { connectors: first }), 40, 10_000, connectorsAt);
    expect(chargingIds(results[0])).toEqual(['S1', 'S2']);
    expect([statusOf(results[2], 'S3'), statusOf(results[2], 'S4')]).toEqual(['paused', 'paused']);
    expect(results[30].allocation.totalW).toBe(0);
    // 60 s of stable headroom for the first arrival alone, then it charges: 12.3 A on the 0.1 A grid, starting at 6 A.
    const resumedAt = results.findIndex((r, i) => i >= 30 && statusOf(r, 'S3') === 'charging');
    expect(resumedAt).toBe(36);
    expect(results[36].allocation.connectors.find((c) => c.id === 'S3/1')).toMatchObject({ status: 'charging', limit: 12.3 });
    expect(results[36].targets.find((t) => t.stationId === 'S3')).toMatchObject({ limit: 6, reason: 'ramping to 12.3 A' });
    expect(results.slice(36).every((r) => statusOf(r, 'S3') === 'charging' && statusOf(r, 'S4') === 'paused')).toBe(true);
  });

  it('starts the stable-headroom wait for the first waiting session in admission order only', () => {
    const both = new Map([session('S3', 1, NOW - 120_000), session('S4', 1, NOW - 60_000)]);
    const r = planRound(input(four, { connectors: both, previous: new Map([paused('S3'), paused('S4')]) }));
    expect(r.targets.find((t) => t.stationId === 'S3')?.hysteresis).toEqual({ mode: 'paused', sinceMs: NOW - 600_000, headroomOkSinceMs: NOW });
    expect(r.targets.find((t) => t.stationId === 'S4')?.hysteresis).toEqual({ mode: 'paused', sinceMs: NOW - 600_000, headroomOkSinceMs: undefined });
  });
});

describe('planRound resuming properties', () => {
  const scenarioArb = fc.record({
    contractKw: fc.integer({ min: 3, max: 60 }),
    margin: fc.constantFrom(0, 0.05),
    // Per station: no session, a waiting one, or one charging at the given A.
    sessions: fc.array(fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined, freq: 2 }), { minLength: 1, maxLength: 8 }),
    waiting: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  });

  it('never pauses a resumed session in the next round with the same inputs, and never leaves the group idle while a waiting session fits at the threshold', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const stations = sc.sessions.map((_, i) => station(`S${i}`));
        const g = group(sc.contractKw, stations, sc.margin);
        const connectors = new Map(sc.sessions.flatMap((s, i) => (s === undefined && !sc.waiting[i] ? [] : [session(`S${i}`, 1, NOW - 600_000 + i * 1000)])));
        const previous = new Map<string, PreviousTarget>(
          sc.sessions.flatMap((s, i): [string, PreviousTarget][] => {
            if (sc.waiting[i]) return [paused(`S${i}`)];
            if (s === undefined) return [];
            return [[`S${i}/1`, { status: 'charging', unit: 'A', limit: s, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'charging', sinceMs: NOW - 600_000 } }]];
          }),
        );
        const results = rounds(input(g, { connectors, previous }), 12, 30_000);
        for (let k = 1; k + 1 < results.length; k++) {
          for (const t of results[k].targets) {
            const before = statusOf(results[k - 1], t.stationId);
            if (before === 'paused' && t.status === 'charging') expect(statusOf(results[k + 1], t.stationId)).toBe('charging');
          }
        }
        const last = results[results.length - 1];
        if (connectors.size > 0 && last.availableW >= 7 * V * 3) expect(chargingIds(last).length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
