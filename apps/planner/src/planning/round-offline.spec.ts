import type { StationLive } from './round-types.js';
import { planRound } from './round.js';
import { limitAt } from './schedules.js';
import { NOW, OPTIONS, after, charging, group, input, online, session, station, timeline } from './test/round-fixtures.js';

const GRACE = OPTIONS.offlineGraceMs;

describe('planRound with chargers briefly offline (a rolling restart of the ocpp service)', () => {
  // 40 kW holds four sessions at 15.1 A; two chargers counted at their full 32 A (42.2 kW) leave nothing.
  const four = group(40, [station('A'), station('B'), station('C'), station('D')]);
  const sessions = new Map([session('A'), session('B'), session('C'), session('D')]);
  const steadyInput = input(four, { connectors: sessions, previous: new Map([charging('A', 15.1), charging('B', 15.1), charging('C', 15.1), charging('D', 15.2)]) });
  const steady = planRound(steadyInput);
  const state = after(steady, steadyInput);
  const acked = (id: string) => state.published.get(id)!.connectors;
  const at = (nowMs: number) => ({ ...steadyInput, ...state, nowMs, timeline: timeline(four, [], nowMs) });
  const offline = (id: string, sinceMs: number, plan = acked(id)): StationLive => ({ ...online(id), connected: false, connectionAtMs: sinceMs, acknowledged: plan });

  it('counts a charger offline for less than the grace period at its acknowledged plan, so the others keep charging', () => {
    const nowMs = NOW + 20_000;
    const stations = new Map([['A', online('A')], ['B', online('B')], ['C', offline('C', nowMs - 1000)], ['D', offline('D', nowMs - 1000)]]);
    const r = planRound({ ...at(nowMs), stations });
    expect(r.uncontrolled.get('C')).toBe('offline: counted at its acknowledged plan');
    expect(r.targets.find((t) => t.stationId === 'C')).toMatchObject({ status: 'uncontrolled', limit: 15.1 });
    for (const id of ['A', 'B']) expect(r.targets.find((t) => t.stationId === id)).toMatchObject({ status: 'charging' });
    expect(r.targets.find((t) => t.stationId === 'A')!.limit).toBeGreaterThanOrEqual(15.1);
    // Nothing is sent to the offline chargers; the online ones step down by themselves when the grace ends.
    expect(r.publications.map((p) => p.stationId)).toEqual(['A', 'B']);
    const graceEnd = nowMs - 1000 + GRACE;
    // Infeasible only should the two stay away past their grace (counted at 2 × 32 A then).
    expect(r.infeasible.map((b) => b.startMs)).toEqual([graceEnd]);
    const maxA = r.publications[0].connectors[0];
    expect(limitAt(maxA, graceEnd - 1000)).toBeGreaterThanOrEqual(15.1);
    expect(limitAt(maxA, graceEnd)).toBe(0);
  });

  it('after the grace period counts it at its full rating, as a charger that may have lost its profiles', () => {
    const nowMs = NOW + 20_000 + GRACE;
    const stations = new Map([['A', online('A')], ['B', online('B')], ['C', offline('C', nowMs - GRACE - 1)], ['D', online('D')]]);
    const r = planRound({ ...at(nowMs), stations });
    expect(r.uncontrolled.get('C')).toBe('offline');
    expect(r.targets.find((t) => t.stationId === 'C')).toMatchObject({ status: 'uncontrolled', limit: 32 });
  });

  it('counts a charger whose latest plan was not acknowledged at its full rating at once', () => {
    const nowMs = NOW + 20_000;
    const stations = new Map([['A', online('A')], ['B', online('B')], ['C', { ...online('C'), connected: false, connectionAtMs: nowMs - 1000 }], ['D', online('D')]]);
    const r = planRound({ ...at(nowMs), stations });
    expect(r.uncontrolled.get('C')).toBe('offline');
    expect(r.targets.find((t) => t.stationId === 'C')).toMatchObject({ status: 'uncontrolled', limit: 32 });
  });

  it('a 2 s blip of half the fleet pauses nobody: the sessions charge on at their shares through the disconnect and the reconnect', () => {
    const down = NOW + 20_000;
    const stations = new Map([['A', online('A')], ['B', online('B')], ['C', offline('C', down)], ['D', offline('D', down)]]);
    const during = { ...at(down), stations };
    const r1 = planRound(during);
    const back = { ...during, ...after(r1, during, down), nowMs: down + 2000, timeline: timeline(four, [], down + 2000), stations: new Map([...stations, ['C', { ...online('C'), connectionAtMs: down + 2000 }], ['D', { ...online('D'), connectionAtMs: down + 2000 }]]) };
    const r2 = planRound(back);
    for (const r of [r1, r2]) expect(r.targets.filter((t) => t.status === 'paused')).toEqual([]);
    expect(r2.uncontrolled.size).toBe(0);
    // The group's 40 kW / 660 W per A = 60.6 A on the 0.1 A grid.
    expect(r2.targets.every((t) => t.limit >= 15.1)).toBe(true);
    expect(r2.targets.reduce((s, t) => s + t.limit, 0)).toBeCloseTo(60.6, 6);
  });

  it('holds the schedule the charger acknowledged: a step up in it is counted from its instant on', () => {
    const nowMs = NOW + 20_000;
    const plan = acked('C').map((l) => ({ ...l, schedule: { ...l.schedule, periods: [...l.schedule.periods, { startPeriodS: 60, limit: 32, numberPhases: 3 as const }] } }));
    const stations = new Map([['A', online('A')], ['B', online('B')], ['C', offline('C', nowMs - 1000, plan)], ['D', offline('D', nowMs - 1000)]]);
    const r = planRound({ ...at(nowMs), stations });
    const stepUp = Date.parse(plan[0].schedule.startSchedule) + 60_000;
    // From C's step up on, C's 32 A and D's share leave A and B about 13 A together.
    const sum = (t: number) => r.publications.reduce((s, p) => s + limitAt(p.connectors[0], t), 0);
    expect(sum(stepUp - 1000)).toBeGreaterThan(sum(stepUp));
    expect(sum(stepUp) + 32 + limitAt(acked('D')[0], stepUp)).toBeLessThanOrEqual(40_000 / 660 + 1e-6);
  });
});

describe('planRound after a failure of the ocpp service to reach a charger (Offline)', () => {
  const two = group(30, [station('A'), station('B')]);
  const first = input(two, { connectors: new Map([session('A'), session('B')]), previous: new Map([charging('A', 22.7), charging('B', 22.7)]) });
  const r0 = planRound(first);
  const state = after(r0, first);

  it('is not a refusal: the charger is counted at its acknowledged plan for the grace period, the others keep their share', () => {
    const failedAt = NOW + 5_000;
    const failedPlan = new Map(state.published);
    failedPlan.set('B', { ...failedPlan.get('B')!, planId: 'B2', failed: true });
    const b: StationLive = { ...online('B'), connectionAtMs: NOW - 60_000, profileFailures: 1, lastProfileAtMs: failedAt, lastProfileResult: 'Offline', acknowledged: state.published.get('B')!.connectors };
    const nowMs = NOW + 6_000;
    const r = planRound({ ...first, ...state, published: failedPlan, stations: new Map([['A', online('A')], ['B', b]]), nowMs, timeline: timeline(two, [], nowMs) });
    expect(r.uncontrolled.get('B')).toBe('offline: counted at its acknowledged plan');
    expect(r.targets.find((t) => t.stationId === 'A')).toMatchObject({ status: 'charging', limit: 22.7 });

    // Reconnected since the failure: steerable again, and its lost plan is sent again in full.
    const back = planRound({ ...first, ...state, published: failedPlan, stations: new Map([['A', online('A')], ['B', { ...b, connectionAtMs: failedAt + 1000 }]]), nowMs, timeline: timeline(two, [], nowMs) });
    expect(back.uncontrolled.has('B')).toBe(false);
    expect(back.publications.find((p) => p.stationId === 'B')?.direction).toBe('decrease');
  });

  it('past the grace it counts at the full rating, and is tried again after the retry time (the ocpp service may have been wrong)', () => {
    const failedAt = NOW + 5_000;
    const b: StationLive = { ...online('B'), connectionAtMs: NOW - 60_000, profileFailures: 1, lastProfileAtMs: failedAt, lastProfileResult: 'Offline', acknowledged: state.published.get('B')!.connectors };
    const failedPlan = new Map(state.published);
    failedPlan.set('B', { ...failedPlan.get('B')!, failed: true });
    const run = (nowMs: number) => planRound({ ...first, ...state, published: failedPlan, stations: new Map([['A', online('A')], ['B', b]]), nowMs, timeline: timeline(two, [], nowMs) });
    expect(run(failedAt + GRACE).uncontrolled.get('B')).toBe('offline');
    const retried = run(failedAt + OPTIONS.uncontrolledRetryMs);
    expect(retried.uncontrolled.has('B')).toBe(false);
    expect(retried.publications.find((p) => p.stationId === 'B')?.direction).toBe('decrease');
  });

  it('without an acknowledged plan it counts at the full rating, and a real refusal stays a refusal', () => {
    const nowMs = NOW + 6_000;
    const b: StationLive = { ...online('B'), connectionAtMs: NOW - 60_000, profileFailures: 1, lastProfileAtMs: NOW + 5_000, lastProfileResult: 'Offline' };
    expect(planRound({ ...first, ...state, stations: new Map([['A', online('A')], ['B', b]]), nowMs }).uncontrolled.get('B')).toBe('offline');
    const rejected = { ...b, lastProfileResult: 'Rejected', acknowledged: state.published.get('B')!.connectors };
    expect(planRound({ ...first, ...state, stations: new Map([['A', online('A')], ['B', rejected]]), nowMs }).uncontrolled.get('B')).toBe('profile rejected');
  });
});

describe('planRound right after a scheduled step up', () => {
  // The last round (10 s ago) published 11.3 A until NOW − 1.4 s, then 21.6 A: the charger switched by itself.
  const startSchedule = new Date(NOW - 10_000).toISOString();
  const plan = (id: string) => ({
    planId: id,
    createdAtMs: NOW - 10_000,
    failed: false,
    unanswered: false,
    connectors: [0, 1].map((connectorId) => ({ connectorId, schedule: { startSchedule, chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: 11.3, numberPhases: 3 as const }, { startPeriodS: 9, limit: 21.6, numberPhases: 3 as const }] } })),
  });

  it('ramps from the value the published schedule gives now, not from the previous round\'s value', () => {
    const two = group(30, [station('A'), station('B')]);
    const r = planRound(input(two, { connectors: new Map([session('A'), session('B')]), previous: new Map([charging('A', 11.3), charging('B', 11.3)]), published: new Map([['A', plan('A')], ['B', plan('B')]]) }));
    // 30 kW / 2 / 660 W per A = 22.7 A: from 21.6 A up, never below what is in effect.
    for (const t of r.targets) expect(t.limit).toBeGreaterThanOrEqual(21.6);
    expect(r.publications.every((p) => p.direction === 'increase' || limitAt(p.connectors[1], NOW) >= 21.6)).toBe(true);
  });

  it('never ramps from above what the new allocation allows', () => {
    const two = group(20, [station('A'), station('B')]);
    const r = planRound(input(two, { connectors: new Map([session('A'), session('B')]), previous: new Map([charging('A', 11.3), charging('B', 11.3)]), published: new Map([['A', plan('A')], ['B', plan('B')]]) }));
    // 20 kW / 2 / 660 W per A = 15.15 A.
    expect(r.targets.map((t) => t.limit).sort()).toEqual([15.1, 15.2]);
  });
});
