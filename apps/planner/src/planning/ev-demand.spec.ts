import { stepEvDemand, type EvUnderuse } from './ev-demand.js';

const T0 = Date.parse('2026-12-04T04:00:00Z');
const base = { nowMs: T0, limitA: 20, sessionStartedMs: T0 - 600_000, minimumA: 6 };
const at = (currentA: number, atMs: number) => ({ currentA, atMs });

/** Feeds readings one after the other, each seen by a round at its own time. */
function run(samples: { currentA: number; atMs: number }[], limitA = 20): { state?: EvUnderuse; capA?: number } {
  let result: { state?: EvUnderuse; capA?: number } = {};
  for (const sample of samples) result = stepEvDemand(result.state, { ...base, nowMs: sample.atMs + 1_000, sample, limitA });
  return result;
}

describe('stepEvDemand', () => {
  it('caps an EV that stays well below its limit for two minutes at its peak (whole amps) plus the margin', () => {
    expect(run([at(9.2, T0), at(10.4, T0 + 60_000)]).capA).toBeUndefined();
    expect(run([at(9.2, T0), at(10.4, T0 + 60_000), at(9.9, T0 + 120_000)])).toEqual({ state: { sinceMs: T0, peakA: 10.4 }, capA: 13 });
  });

  it('never caps below the session minimum: a full battery keeps its minimum', () => {
    expect(run([at(0, T0), at(0, T0 + 120_000)]).capA).toBe(6);
  });

  it('lifts the cap as soon as the EV uses its limit, and starts over from there', () => {
    const capped = run([at(9, T0), at(9, T0 + 120_000)]);
    expect(capped.capA).toBe(11);
    // Under a limit of 11 A the EV now draws 9.5 A: that is using it (≥ 11 − 2).
    expect(stepEvDemand(capped.state, { ...base, nowMs: T0 + 181_000, sample: at(9.5, T0 + 180_000), limitA: 11 })).toEqual({});
  });

  it('does not count a car drawing within the margin of its limit, nor a single low reading', () => {
    expect(run([at(18.5, T0), at(18.1, T0 + 300_000)])).toEqual({});
    expect(run([at(5, T0), at(19, T0 + 60_000), at(5, T0 + 120_000)]).capA).toBeUndefined();
  });

  it('ignores stale readings, readings from before the session, and sessions that are not charging', () => {
    const state = { sinceMs: T0, peakA: 5 };
    expect(stepEvDemand(state, { ...base, nowMs: T0 + 600_000, sample: at(5, T0 + 200_000) })).toEqual({});
    expect(stepEvDemand(undefined, { ...base, sessionStartedMs: T0 + 1, sample: at(0, T0) })).toEqual({});
    expect(stepEvDemand(state, { ...base, limitA: undefined, sample: at(5, T0 + 130_000) })).toEqual({});
    // An under-use state from the previous car does not carry over to the next session.
    expect(stepEvDemand(state, { ...base, sessionStartedMs: T0 + 60_000, nowMs: T0 + 130_000, sample: at(5, T0 + 125_000) })).toEqual({ state: { sinceMs: T0 + 125_000, peakA: 5 } });
  });
});
