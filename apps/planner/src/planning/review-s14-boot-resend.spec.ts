import { BOOTED_REASON, stationControl } from './offline-grace.js';
import type { StationLive } from './round-types.js';
import { planRound } from './round.js';
import { NOW, OPTIONS, after, charging, group, input, online, session, station, timeline } from './test/round-fixtures.js';

/**
 * The boot rule must not count a charger at its rating for good: the planner itself never sends a
 * booted charger anything, so when the ocpp service's boot pass brings no answer (it failed, the
 * charger was Pending, a profile row it did not re-send) the plan is re-sent in full after an ack
 * timeout, as for a plan that went unanswered.
 */
describe('a booted charger whose profiles were not answered since the boot (review s14)', () => {
  const four = group(40, [station('A'), station('B'), station('C'), station('D')]);
  const steadyInput = input(four, {
    connectors: new Map([session('A'), session('B'), session('C'), session('D')]),
    previous: new Map([charging('A', 15.1), charging('B', 15.1), charging('C', 15.1), charging('D', 15.2)]),
  });
  const state = after(planRound(steadyInput), steadyInput, NOW - 120_000);
  const plan = state.published.get('C')!.connectors;
  const planAt = NOW - 120_000;
  const acked: StationLive = { ...online('C'), connectionAtMs: NOW - 3_600_000, acknowledged: plan, answeredAtMs: planAt + 1_000, lastPlanAtMs: planAt };

  it('within an ack timeout of the boot: at its rating, nothing sent by the planner (the boot pass is under way)', () => {
    expect(stationControl({ ...acked, bootedAtMs: NOW - 10_000 }, NOW, OPTIONS)).toEqual({ reason: BOOTED_REASON });
  });

  it('an ack timeout after the boot with no plan sent since: its plan goes again in full', () => {
    const nowMs = NOW + 10_000;
    const booted: StationLive = { ...acked, bootedAtMs: nowMs - OPTIONS.ackTimeoutMs - 1_000 };
    const stations = new Map<string, StationLive>([['A', online('A')], ['B', online('B')], ['C', booted], ['D', online('D')]]);
    const r = planRound({ ...steadyInput, ...state, nowMs, timeline: timeline(four, [], nowMs), stations });
    expect(r.publications.map((p) => p.stationId)).toContain('C');
  });

  it('a plan sent after the boot: at its rating until answered or its ack timeout ends, then the usual no-answer rule', () => {
    const bootedAtMs = NOW - 100_000;
    const resent: StationLive = { ...acked, bootedAtMs, lastPlanAtMs: NOW - 30_000, lastPlanUnanswered: true };
    expect(stationControl(resent, NOW, OPTIONS)).toEqual({ reason: BOOTED_REASON });
    const late: StationLive = { ...resent, lastPlanAtMs: NOW - OPTIONS.ackTimeoutMs - 1_000 };
    expect(stationControl(late, NOW, OPTIONS)).toEqual({ reason: 'no answer to its last plan' });
  });
});
