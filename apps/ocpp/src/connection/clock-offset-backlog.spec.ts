import { ClockOffset } from './clock-offset.js';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;

describe('ClockOffset (review): a backlog whose offsets shrink by less than CLOCK_AGREEMENT_MS a message', () => {
  it('is no clock set back: each reading agrees only with the smallest before it, not with the first', () => {
    const clock = new ClockOffset();
    for (const r of [0, 30_000, 61_000]) clock.observe(T0 + r - 300 - 3 * HOUR, T0 + r);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    // 40 readings sampled 10 s apart during two hours offline (old clock), drained one every 6 s after
    // reconnecting without a boot: offsets shrink 4 s a message, 156 s in all; no live message between.
    const sampledFrom = 61_000 + 10 * 60_000;
    const drainedFrom = sampledFrom + 2 * HOUR;
    for (let i = 0; i < 40; i++) clock.observe(T0 + sampledFrom + i * 10_000 - 3 * HOUR, T0 + drainedFrom + i * 6_000);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
  });
});
