import { HysteresisTracker, initialHysteresis, stepHysteresis, type HysteresisConfig, type HysteresisState } from './hysteresis.js';

const cfg: HysteresisConfig = { minA: 6, deltaA: 1, resumeAfterMs: 60_000, minChargingMs: 120_000, minPausedMs: 120_000 };

/** Runs a sequence of (time s, headroom A) observations and returns allowCharging after each. */
function run(start: HysteresisState, seq: readonly [number, number][]): boolean[] {
  let s = start;
  return seq.map(([t, h]) => {
    const d = stepHysteresis(s, { nowMs: t * 1000, headroomA: h }, cfg);
    s = d.state;
    return d.allowCharging;
  });
}

describe('hysteresis near the minimum', () => {
  it('pauses as soon as the share falls below the minimum, even inside the dwell (forced)', () => {
    const d = stepHysteresis(initialHysteresis(0, true), { nowMs: 10_000, headroomA: 5.9 }, cfg);
    expect(d).toMatchObject({ allowCharging: false, changed: true, forced: true, state: { mode: 'paused', sinceMs: 10_000 } });
    const late = stepHysteresis(initialHysteresis(0, true), { nowMs: 200_000, headroomA: 5.9 }, cfg);
    expect(late.forced).toBe(false);
  });

  it('keeps charging at exactly the minimum', () => {
    expect(run(initialHysteresis(0, true), [[1, 6], [2, 6]])).toEqual([true, true]);
  });

  it('resumes only after headroom ≥ min + δ held for 60 s and the paused dwell passed', () => {
    const paused = initialHysteresis(0, false);
    // Headroom 7 A (= min + δ) from t=0: dwell (120 s) is the binding wait.
    expect(run(paused, [[0, 7], [60, 7], [119, 7], [120, 7]])).toEqual([false, false, false, true]);
    // Headroom only from t=150: 60 s of headroom are needed, dwell long passed.
    expect(run(paused, [[130, 6.9], [150, 7], [209, 7], [210, 7]])).toEqual([false, false, false, true]);
  });

  it('restarts the 60 s wait when the headroom dips', () => {
    const paused = initialHysteresis(0, false);
    expect(run(paused, [[200, 8], [230, 6.5], [240, 8], [290, 8], [300, 8]])).toEqual([false, false, false, false, true]);
  });

  it('does not flap on a share oscillating around the minimum', () => {
    const seq: [number, number][] = Array.from({ length: 60 }, (_, i) => [i * 5, i % 2 === 0 ? 5.8 : 6.4]);
    const out = run(initialHysteresis(0, true), seq);
    // One pause at the first dip, then never resumed: 6.4 A is below min + δ.
    expect(out.filter((v, i) => i > 0 && v !== out[i - 1]).length).toBe(0);
    expect(out.every((v) => !v)).toBe(true);
  });

  it('honours the charging dwell for voluntary pauses', () => {
    const charging = initialHysteresis(0, true);
    expect(stepHysteresis(charging, { nowMs: 60_000, headroomA: 16, wantPause: true }, cfg).allowCharging).toBe(true);
    expect(stepHysteresis(charging, { nowMs: 120_000, headroomA: 16, wantPause: true }, cfg).allowCharging).toBe(false);
  });

  it('uses the documented defaults', () => {
    const d = stepHysteresis({ mode: 'paused', sinceMs: 0, headroomOkSinceMs: 0 }, { nowMs: 120_000, headroomA: 7 }, { minA: 6 });
    expect(d.allowCharging).toBe(true);
  });
});

describe('HysteresisTracker', () => {
  it('runs on an injected clock', () => {
    let now = 0;
    const tracker = new HysteresisTracker(cfg, () => now);
    expect(tracker.observe('c1', 10).allowCharging).toBe(true);
    now = 5_000;
    expect(tracker.observe('c1', 3)).toMatchObject({ allowCharging: false, forced: true });
    now = 100_000;
    expect(tracker.observe('c1', 20).allowCharging).toBe(false);
    now = 160_000;
    expect(tracker.observe('c1', 20).allowCharging).toBe(true);
    expect(tracker.stateOf('c1')).toEqual({ mode: 'charging', sinceMs: 160_000 });
    tracker.forget('c1');
    expect(tracker.stateOf('c1')).toBeUndefined();
    expect(tracker.observe('c2', 20, { startCharging: false }).allowCharging).toBe(false);
  });
});
