import { dayAhead, flat, single } from '../timeline/test/forecasts.js';
import { HOUR_MS } from '../timeline/index.js';
import type { PreviousTarget, PublishedPlan } from './round-types.js';
import { describeIncident, nextIncident } from './incident.js';
import { planRound, uncontrolledReason } from './round.js';
import { limitAt } from './schedules.js';
import { HORIZON, NOW, OPTIONS, V, after, charging, group, input, online, session, station, timeline } from './test/round-fixtures.js';

/** Σ over stations of their Max profile at `t`, in W (3-phase, 220 V). */
const stationSum = (published: ReadonlyMap<string, PublishedPlan>, t: number): number =>
  [...published.values()].reduce((sum, p) => sum + limitAt(p.connectors.find((c) => c.connectorId === 0)!, t) * V * 3, 0);

const TODAY = '2026-12-04';
const TOMORROW = '2026-12-05';
const at = (isoTaipei: string): number => Date.parse(`${isoTaipei}+08:00`);

describe('planRound', () => {
  const three = group(30, [station('A'), station('B'), station('C')]);
  const sessions = new Map([session('A'), session('B'), session('C')]);
  const steady = new Map([charging('A', 32), charging('B', 32), charging('C', 32)]);

  it('shares the limit fairly and keeps every station schedule within the limit at every known step, emergencies included', () => {
    const forecasts = [
      dayAhead(TODAY, flat(30).map((v, h) => (h === 13 ? 20 : v)), { requestId: 'assign-today', receivedAt: '2026-12-03T02:00:00Z' }),
      dayAhead(TOMORROW, flat(25), { requestId: 'assign-tomorrow', receivedAt: '2026-12-04T02:00:00Z' }),
      single('emergency', '2026-12-04T13:30:00+08:00', '2026-12-04T14:00:00+08:00', 10, 'em-1', '2026-12-04T03:50:00Z'),
    ];
    const base = input(three, { timeline: timeline(three, forecasts), connectors: sessions, previous: steady });
    const result = planRound(base);
    expect(result.limitW).toBe(30_000);
    expect(result.publications.map((p) => p.stationId)).toEqual(['A', 'B', 'C']);
    // 30 kW / 3 / 660 W per A = 15.15 A: 15.1 A on the 0.1 A grid, the leftover step to one of them.
    expect(result.targets.map((t) => t.limit).sort()).toEqual([15.1, 15.1, 15.2]);
    const { published } = after(result, base);
    const emergencyStart = at('2026-12-04T13:30:00');
    const instants = [NOW, at('2026-12-04T13:00:00'), emergencyStart, at('2026-12-04T14:00:00'), at('2026-12-05T00:00:00'), at('2026-12-05T23:59:00')];
    const limits = [30_000, 20_000, 10_000, 30_000, 25_000, 25_000];
    instants.forEach((t, i) => expect(stationSum(published, t)).toBeLessThanOrEqual(limits[i]));
    // The emergency is a period of its own that starts exactly at its start time.
    const max = result.publications[0].connectors[0].schedule;
    expect(max.periods.some((p) => Date.parse(max.startSchedule) + p.startPeriodS * 1000 === emergencyStart)).toBe(true);
    // 10 kW holds two sessions at 7.6 A but not three at 6 A: the last admitted is paused for the emergency.
    expect(result.publications.map((p) => limitAt(p.connectors[1], emergencyStart))).toEqual([7.6, 7.5, 0]);
    expect(limitAt(result.publications[0].connectors[1], emergencyStart - 1000)).toBe(10.1);
  });

  it('publishes an emergency that arrives later as a decrease with reason emergency, and nothing when nothing changed', () => {
    const first = input(three, { connectors: sessions, previous: steady });
    const r1 = planRound(first);
    const second = input(three, { connectors: sessions, ...after(r1, first), nowMs: NOW + 20_000, timeline: timeline(three, [], NOW + 20_000) });
    expect(planRound(second).publications).toEqual([]);
    const emergency = single('emergency', '2026-12-04T12:30:00+08:00', '2026-12-04T13:00:00+08:00', 12, 'em-2', '2026-12-04T04:10:00Z');
    const third = { ...second, timeline: timeline(three, [emergency], NOW + 20_000) };
    const r3 = planRound(third);
    expect(r3.publications).toHaveLength(3);
    expect(r3.publications.every((p) => p.reason === 'emergency' && p.direction === 'decrease')).toBe(true);
    // Until the emergency the limit stays; from its start each gets 12 kW / 3 / 660 = 6.06 A → 6 A, the leftover step to one.
    expect(limitAt(r3.publications[0].connectors[1], NOW + 60_000)).toBeGreaterThanOrEqual(15.1);
    expect(r3.publications.map((p) => limitAt(p.connectors[1], at('2026-12-04T12:30:00'))).sort()).toEqual([6, 6, 6.1]);
  });

  it('names a plan after the emergency it steps down for, even when the same plan also ramps up now', () => {
    const low = new Map([charging('A', 8), charging('B', 8), charging('C', 8)]);
    const first = input(three, { connectors: sessions, previous: low });
    const r1 = planRound(first);
    const ramping = r1.targets[0].limit;
    expect(ramping).toBeLessThan(15);
    const emergency = single('emergency', '2026-12-04T12:30:00+08:00', '2026-12-04T13:00:00+08:00', 12, 'em-4', '2026-12-04T04:10:00Z');
    const nowMs = NOW + 5_000;
    const r2 = planRound(input(three, { connectors: sessions, ...after(r1, first), nowMs, timeline: timeline(three, [emergency], nowMs) }));
    expect(r2.publications).toHaveLength(3);
    // Up now (the ramp goes on), down at the emergency: the decrease is what the plan is for.
    expect(limitAt(r2.publications[0].connectors[1], nowMs)).toBeGreaterThan(ramping);
    expect(r2.publications.every((p) => p.reason === 'emergency' && p.direction === 'decrease')).toBe(true);
  });

  it('gives what an EV leaves unused to the others, and gives it back when the EV draws more', () => {
    const shares = new Map([charging('A', 15.1), charging('B', 15.1), charging('C', 15.2)]);
    // A's EV has drawn about 4 A of its 15.1 A for over two minutes (e.g. a full battery or a small on-board charger).
    const underuse = { sinceMs: NOW - 150_000, peakA: 4 };
    const previous = new Map([...shares, ['A/1', { ...shares.get('A/1')!, evUnderuse: underuse }]]);
    const measured = (currentA: number) => new Map([...sessions, ['A/1', { ...sessions.get('A/1')!, currentA, currentAtMs: NOW - 5_000 }]]);
    const r = planRound(input(three, { connectors: measured(3.6), previous }));
    const limitOf = (id: string) => r.allocation.connectors.find((c) => c.id === id)!.limit;
    expect(limitOf('A/1')).toBe(6);
    // (30 kW − 6 A × 660 W/A) / 2 / 660 W/A = 19.7 A for each of the others.
    expect([limitOf('B/1'), limitOf('C/1')]).toEqual([19.7, 19.7]);
    expect(r.targets.find((t) => t.stationId === 'A')).toMatchObject({ limit: 6, reason: 'capped near what the EV draws (at most 4 A)', evUnderuse: underuse });
    expect(r.publications.find((p) => p.stationId === 'A')?.direction).toBe('decrease');
    // PLANNER_EV_RECLAIM=false: shares stay as they are.
    const off = planRound(input(three, { connectors: measured(3.6), previous, options: { ...OPTIONS, evDemand: undefined } }));
    expect(off.allocation.connectors.map((c) => c.limit).sort()).toEqual([15.1, 15.1, 15.2]);

    // Under its 6 A cap the EV now draws 5 A (≥ 6 − 2): it wants more, and its full share comes back.
    const capped = new Map([...shares, ['A/1', { ...shares.get('A/1')!, limit: 6, evUnderuse: underuse }]]);
    const back = planRound(input(three, { connectors: measured(5), previous: capped }));
    expect(back.allocation.connectors.map((c) => c.limit).sort()).toEqual([15.1, 15.1, 15.2]);
    expect(back.targets.find((t) => t.stationId === 'A')?.evUnderuse).toBeUndefined();
  });

  it('anchors schedules on whole seconds so a step switches exactly at its instant even when the round runs mid-second', () => {
    const nowMs = NOW + 700;
    const emergency = single('emergency', '2026-12-04T12:30:00+08:00', '2026-12-04T13:00:00+08:00', 12, 'em-3', '2026-12-04T04:00:00Z');
    const r = planRound(input(three, { nowMs, timeline: timeline(three, [emergency], nowMs), connectors: sessions, previous: steady }));
    const cap = r.publications[0].connectors[0].schedule;
    expect(cap.startSchedule).toBe(new Date(NOW).toISOString());
    const steps = cap.periods.map((p) => Date.parse(cap.startSchedule) + p.startPeriodS * 1000);
    expect(steps).toContain(at('2026-12-04T12:30:00'));
    expect(limitAt(r.publications[0].connectors[0], at('2026-12-04T12:30:00'))).toBeLessThan(limitAt(r.publications[0].connectors[0], at('2026-12-04T12:29:59')));
  });

  it('sends the decrease of a running session first and holds the newcomer\'s increase until it is acknowledged', () => {
    const two = group(30, [station('A'), station('B')]);
    const alone = input(two, { connectors: new Map([session('A')]), previous: new Map([charging('A', 32)]) });
    const r0 = planRound(alone);
    expect(r0.targets.map((t) => [t.stationId, t.status, t.limit])).toEqual([['A', 'charging', 32], ['B', 'idle', 0]]);
    const arrival = input(two, { ...after(r0, alone), nowMs: NOW + 30_000, connectors: new Map([session('A'), session('B', 1, NOW + 25_000)]) });
    const r1 = planRound(arrival);
    // Both would get 22.7 A; A comes down at once, B starts at its minimum once A's decrease is acknowledged.
    expect(r1.publications.map((p) => [p.stationId, p.direction])).toEqual([['A', 'decrease']]);
    expect(r1.deferred).toEqual(['B']);
    const acked = { ...arrival, ...after(r1, arrival), nowMs: NOW + 32_000 };
    const r2 = planRound(acked);
    expect(r2.publications.map((p) => [p.stationId, p.direction])).toEqual([['B', 'increase']]);
    expect(r2.targets.find((t) => t.stationId === 'B')).toMatchObject({ status: 'charging', limit: 6 });
    expect(planRound({ ...acked, decreasesPending: true }).publications).toEqual([]);
  });

  it('re-shares when a session stops: the freed connector is closed first, then the others grow', () => {
    const two = group(30, [station('A'), station('B')]);
    const both = input(two, { connectors: new Map([session('A'), session('B')]), previous: new Map([charging('A', 22.7), charging('B', 22.7)]) });
    const r0 = planRound(both);
    const stopped = input(two, { ...after(r0, both), nowMs: NOW + 10_000, connectors: new Map([session('A')]), timeline: timeline(two, [], NOW + 10_000) });
    const r1 = planRound(stopped);
    // B goes to 0 A at once (a new car must not start on the old share); A's increase waits for that.
    expect(r1.publications.map((p) => [p.stationId, p.direction])).toEqual([['B', 'decrease']]);
    expect(r1.deferred).toEqual(['A']);
    const r2 = planRound({ ...stopped, ...after(r1, stopped), nowMs: NOW + 12_000 });
    expect(r2.publications.map((p) => [p.stationId, p.direction])).toEqual([['A', 'increase']]);
    expect(r2.targets.find((t) => t.stationId === 'A')?.limit).toBeGreaterThan(22.7);
  });

  it('ramps increases at the configured rate instead of jumping', () => {
    const one = group(30, [station('A')]);
    const previous = new Map<string, PreviousTarget>([['A/1', { status: 'charging', unit: 'A', limit: 10, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'charging', sinceMs: NOW - HOUR_MS } }]]);
    const r = planRound(input(one, { connectors: new Map([session('A')]), previous }));
    // 10 A × 1.03^10 = 13.4 A after 10 s.
    expect(r.targets[0]).toMatchObject({ status: 'charging', limit: 13.4, reason: 'ramping to 32 A' });
  });

  it('counts an offline charger at its rating, plans nothing for it and reports an infeasible limit', () => {
    const site = group(20, [station('A'), station('OFF')]);
    const stations = new Map([['A', online('A')], ['OFF', { ...online('OFF'), connected: false }]]);
    const r = planRound(input(site, { stations, connectors: new Map([session('A'), session('OFF')]), previous: new Map([charging('A', 16)]) }));
    expect(r.uncontrolled.get('OFF')).toBe('offline');
    expect(r.publications.map((p) => p.stationId)).toEqual(['A']);
    expect(r.targets.find((t) => t.stationId === 'OFF')).toMatchObject({ status: 'uncontrolled', limit: 32 });
    expect(r.targets.find((t) => t.stationId === 'A')).toMatchObject({ status: 'paused', limit: 0 });
    // 32 A × 660 W = 21.1 kW of load we cannot steer against a 20 kW limit, all the way to the horizon.
    expect(r.infeasible).toHaveLength(1);
    expect(r.infeasible[0]).toMatchObject({ startMs: NOW, endMs: HORIZON, limitW: 20_000 });
    expect(Math.round(r.infeasible[0].minimumW)).toBe(21_120);
  });

  it('treats a charger that rejected its profile as uncontrolled, then retries it with its full plan', () => {
    const two = group(30, [station('A'), station('R')]);
    const first = input(two, { connectors: new Map([session('A'), session('R')]), previous: new Map([charging('A', 20), charging('R', 20)]) });
    const r0 = planRound(first);
    const state = after(r0, first);
    const rejected = new Map(state.published);
    rejected.set('R', { ...rejected.get('R')!, failed: true });
    const stations = new Map([['A', online('A')], ['R', { ...online('R'), profileFailures: 1, lastProfileAtMs: NOW + 5_000 }]]);
    const r1 = planRound({ ...first, ...state, published: rejected, stations, nowMs: NOW + 10_000 });
    expect(r1.uncontrolled.get('R')).toBe('profile rejected');
    expect(r1.targets.find((t) => t.stationId === 'A')?.limit).toBeLessThan(r0.targets.find((t) => t.stationId === 'A')!.limit);
    const later = planRound({ ...first, ...after(r1, first), published: rejected, stations, nowMs: NOW + 11 * 60_000, timeline: timeline(two, [], NOW + 11 * 60_000) });
    expect(later.uncontrolled.has('R')).toBe(false);
    expect(later.publications.find((p) => p.stationId === 'R')?.direction).toBe('decrease');
  });

  it('keeps a session paused near the minimum until the headroom has held for a minute', () => {
    // 7 kW = 10.6 A: room for one session only; 10 kW = 15.1 A: room for both at 7.5 A (≥ 6 A + 1 A).
    const two = group(10, [station('A'), station('B')]);
    const tight = group(7, [station('A'), station('B')]);
    const both = new Map([session('A', 1, NOW - 7_200_000), session('B', 1, NOW - 60_000)]);
    const r0 = planRound(input(tight, { connectors: both, previous: new Map([charging('A', 10)]) }));
    expect(r0.targets.map((t) => [t.stationId, t.status])).toEqual([['A', 'charging'], ['B', 'paused']]);
    const base = input(two, { connectors: both, ...after(r0, input(tight)) });
    const soon = planRound({ ...base, nowMs: NOW + 30_000, timeline: timeline(two, [], NOW + 30_000) });
    expect(soon.targets.find((t) => t.stationId === 'B')?.status).toBe('paused');
    const state = after(soon, base, NOW + 30_000);
    const later = planRound({ ...base, ...state, nowMs: NOW + 150_000, timeline: timeline(two, [], NOW + 150_000) });
    // B may charge again; its start waits until A's decrease to make room is acknowledged.
    expect(later.targets.find((t) => t.stationId === 'B')).toMatchObject({ reason: 'increase waits for pending decreases', hysteresis: { mode: 'charging' } });
    expect(later.publications.map((p) => [p.stationId, p.direction])).toEqual([['A', 'decrease']]);
  });
});

describe('uncontrolledReason', () => {
  const options = { ackTimeoutMs: 90_000, uncontrolledRetryMs: 600_000, offlineGraceMs: 90_000 };
  it('names why a charger cannot be steered, and lets a silent or refusing one be tried again after the retry time', () => {
    expect(uncontrolledReason(undefined, NOW, options)).toBe('never connected');
    expect(uncontrolledReason({ ...online('A'), connected: false }, NOW, options)).toBe('offline');
    const silent = { ...online('A'), lastPlanAtMs: NOW - 100_000, lastPlanUnanswered: true };
    expect(uncontrolledReason(silent, NOW, options)).toBe('no answer to its last plan');
    expect(uncontrolledReason({ ...silent, lastPlanAtMs: NOW - 60_000 }, NOW, options)).toBeUndefined();
    expect(uncontrolledReason({ ...silent, lastPlanAtMs: NOW - 700_000 }, NOW, options)).toBeUndefined();
    expect(uncontrolledReason({ ...online('A'), profileFailures: 2, lastProfileAtMs: NOW - 60_000 }, NOW, options)).toBe('profile rejected');
    expect(uncontrolledReason({ ...online('A'), profileFailures: 1, lastProfileAtMs: NOW - 60_000, lastProfileResult: 'NotObeyed' }, NOW, options)).toBe('profile not obeyed');
    expect(uncontrolledReason({ ...online('A'), profileFailures: 2, lastProfileAtMs: NOW - 601_000 }, NOW, options)).toBeUndefined();
  });
});

describe('nextIncident', () => {
  it('reports an infeasibility only once it has lasted the confirmation time, once per incident, again when it changes', () => {
    const confirm = 30_000;
    let step = nextIncident(undefined, 'k1', 0, confirm);
    expect(step).toEqual({ state: { key: 'k1', sinceMs: 0, reported: undefined }, report: false });
    step = nextIncident(step.state, 'k1', 29_000, confirm);
    expect(step.report).toBe(false);
    step = nextIncident(step.state, 'k2', 30_000, confirm);
    expect(step).toEqual({ state: { key: 'k2', sinceMs: 0, reported: 'k2' }, report: true });
    expect(nextIncident(step.state, 'k2', 40_000, confirm).report).toBe(false);
    expect(nextIncident(step.state, 'k3', 40_000, confirm).report).toBe(true);
    // Feasible again ends it; a new one needs its own confirmation.
    const over = nextIncident(step.state, undefined, 50_000, confirm);
    expect(nextIncident(over.state, 'k2', 51_000, confirm).report).toBe(false);
  });
});

describe('describeIncident', () => {
  it('names the uncontrolled chargers, the worst minimum against its limit, and each interval with its dates (Asia/Taipei)', () => {
    const blocks = [
      { startMs: Date.parse('2026-12-04T12:17:00+08:00'), endMs: Date.parse('2026-12-04T13:17:00+08:00'), limitW: 10_000, minimumW: 21_120, source: { kind: 'emergency' as const, requestId: 'em' } },
      { startMs: Date.parse('2026-12-05T00:00:00+08:00'), endMs: Date.parse('2026-12-06T00:00:00+08:00'), limitW: 20_000, minimumW: 21_120, source: { kind: 'day_ahead_assignment' as const, requestId: 'a' } },
    ];
    expect(describeIncident(blocks, new Map([['CP-B', 'profile rejected']]))).toBe(
      '1 charger cannot be controlled (CP-B profile rejected); minimum achievable 21.1 kW vs limit 10 kW, 12-04 12:17–13:17, 12-05 00:00–12-06 00:00 Asia/Taipei',
    );
  });
});

describe('planRound with the compliance window at risk', () => {
  it('caps the power available now to what the window can still take, and leaves future steps alone', () => {
    const two = group(30, [station('A'), station('B')]);
    const base = input(two, { connectors: new Map([session('A'), session('B')]), previous: new Map([charging('A', 22.7), charging('B', 22.7)]) });
    expect(planRound(base).availableW).toBe(30_000);
    const capped = planRound({ ...base, windowCapW: 13_200 });
    expect(capped.availableW).toBe(13_200);
    // 13.2 kW / 2 / 660 W per A = 10 A each now.
    expect(capped.targets.map((t) => t.limit)).toEqual([10, 10]);
  });
});
