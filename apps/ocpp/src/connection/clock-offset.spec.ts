import { ClockOffset, clockStampMs, CLOCK_EVIDENCE_SPAN_MS } from './clock-offset.js';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;

/** A charger whose clock is `offset` behind ours sending live messages at `receipts` (ms after T0), `delay` on the way. */
function live(clock: ClockOffset, offset: number, receipts: number[], delay = 300): void {
  for (const r of receipts) clock.observe(T0 + r - delay - offset, T0 + r);
}

describe('ClockOffset', () => {
  it('establishes a clock hours behind from three live messages agreeing over a minute: the smallest offset seen', () => {
    const clock = new ClockOffset();
    clock.observe(T0 - 3 * HOUR - 800, T0);
    clock.observe(T0 + 30_000 - 3 * HOUR - 200, T0 + 30_000);
    expect(clock.offsetMs).toBeUndefined();
    clock.observe(T0 + 61_000 - 3 * HOUR - 500, T0 + 61_000);
    expect(clock.offsetMs).toBe(3 * HOUR + 200);
  });

  it('is not established by agreeing messages within less than a minute (a burst of statuses, a queue delivered at once), nor by two over longer', () => {
    const burst = new ClockOffset();
    live(burst, 3 * HOUR, [0, 100, 200, 300, 400, 500]);
    expect(burst.offsetMs).toBeUndefined();
    const two = new ClockOffset();
    live(two, 3 * HOUR, [0, CLOCK_EVIDENCE_SPAN_MS + 1000]);
    expect(two.offsetMs).toBeUndefined();
  });

  it('is no correction for a clock within a minute of ours (drift): the stamps stay as they are', () => {
    const clock = new ClockOffset();
    live(clock, 45_000, [0, 30_000, 70_000]);
    expect(clock.offsetMs).toBeUndefined();
    const ahead = new ClockOffset();
    live(ahead, -10 * 60_000, [0, 30_000, 70_000]);
    expect(ahead.offsetMs).toBe(-10 * 60_000 + 300);
  });

  it('takes queued messages (a larger offset: held by the charger) as no evidence, before and after the live ones', () => {
    const clock = new ClockOffset();
    // The offline queue first: held 40 min, 20 min, 5 s (spacing kept, offsets all different and larger).
    clock.observe(T0 - 3 * HOUR - 40 * 60_000, T0);
    clock.observe(T0 - 3 * HOUR - 20 * 60_000, T0 + 200);
    live(clock, 3 * HOUR, [400, 30_000]);
    // A late reading 10 minutes old between the live ones.
    clock.observe(T0 + 40_000 - 3 * HOUR - 10 * 60_000, T0 + 40_000);
    expect(clock.offsetMs).toBeUndefined();
    live(clock, 3 * HOUR, [61_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    clock.observe(T0 + 70_000 - 3 * HOUR - HOUR, T0 + 70_000);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
  });

  it('starts over at a BootNotification (the charger may set its clock from our answer)', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    clock.reset();
    expect(clock.offsetMs).toBeUndefined();
    live(clock, 3 * HOUR, [70_000, 80_000]);
    expect(clock.offsetMs).toBeUndefined();
  });

  it('starts over at a stamp far below the estimate (the clock was corrected, by NTP or our answer), so that message is taken as stamped', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    live(clock, 0, [62_000]);
    expect(clock.offsetMs).toBeUndefined();
    // Corrected now: even established again, the offset is drift.
    live(clock, 0, [100_000, 130_000]);
    expect(clock.offsetMs).toBeUndefined();
  });

  it('follows a clock that gains seconds on ours (a fast RTC, ~2 s a day) once established: no minute of stamps taken hours early after each 5 s', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    // Three days later the clock has gained 6 s: the first message after it.
    live(clock, 3 * HOUR - 6_000, [3 * 86_400_000]);
    expect(clock.offsetMs).toBe(3 * HOUR - 6_000 + 300);
    // Not established yet: a smaller offset still starts over (the first messages seen may all have been queued).
    const fresh = new ClockOffset();
    live(fresh, 3 * HOUR, [0, 30_000]);
    live(fresh, 3 * HOUR - 6_000, [40_000, 70_000, 101_000]);
    expect(fresh.offsetMs).toBe(3 * HOUR - 6_000 + 300);
  });

  it('takes a clock set back without a boot (a local time at the end of summer time, hours by hand) once its new offset holds like the first', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    // Summer time ends: an hour further behind. The old estimate stays while the new one gathers evidence...
    live(clock, 4 * HOUR, [HOUR, HOUR + 30_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    // ...and is replaced once three messages agree over a minute.
    live(clock, 4 * HOUR, [HOUR + 61_000]);
    expect(clock.offsetMs).toBe(4 * HOUR + 300);
    live(clock, 4 * HOUR, [HOUR + 90_000], 1_000);
    expect(clock.offsetMs).toBe(4 * HOUR + 300);
    // Set back by six hours, with a slow link (offsets within seconds of each other); a clock ahead set back by an hour.
    live(clock, 10 * HOUR, [2 * HOUR], 2_500);
    live(clock, 10 * HOUR, [2 * HOUR + 40_000, 2 * HOUR + 65_000], 300);
    expect(clock.offsetMs).toBe(10 * HOUR + 300);
    const ahead = new ClockOffset();
    live(ahead, -2 * HOUR, [0, 30_000, 61_000]);
    live(ahead, -HOUR, [HOUR, HOUR + 30_000, HOUR + 61_000]);
    expect(ahead.offsetMs).toBe(-HOUR + 300);
  });

  it('takes the clock set back though a message held from before that came first (its offset between the two)', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    // Held 20 minutes by the charger, stamped by the old clock; then the clock, an hour further behind, live every 30 s.
    clock.observe(T0 + HOUR - 3 * HOUR - 20 * 60_000, T0 + HOUR);
    live(clock, 4 * HOUR, [HOUR + 10_000, HOUR + 40_000, HOUR + 70_000, HOUR + 100_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
    // The held one's evidence had no agreeing message for a minute: the live ones start over from HOUR + 70 s.
    live(clock, 4 * HOUR, [HOUR + 130_000]);
    expect(clock.offsetMs).toBe(4 * HOUR + 300);
  });

  it('comes back at once after a minute of slow network (a larger offset that held), with the first message on time', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    live(clock, 3 * HOUR, [HOUR, HOUR + 30_000, HOUR + 61_000], 8_000);
    expect(clock.offsetMs).toBe(3 * HOUR + 8_000);
    live(clock, 3 * HOUR, [HOUR + 70_000]);
    expect(clock.offsetMs).toBe(3 * HOUR + 300);
  });

  it('is not moved by an offline backlog drained faster or slower than it was recorded (its offsets shrink or grow, never agree)', () => {
    for (const spacing of [5_000, 20_000, 90_000, 200_000]) {
      const clock = new ClockOffset();
      live(clock, 3 * HOUR, [0, 30_000, 61_000]);
      // 40 readings sampled a minute apart while the charger could not send (by its clock 3 hours behind), sent `spacing` apart after them.
      const from = 61_000 + 40 * 60_000;
      for (let i = 0; i < 40; i++) clock.observe(T0 + 61_000 + i * 60_000 - 3 * HOUR, T0 + from + i * spacing);
      expect([spacing, clock.offsetMs]).toEqual([spacing, 3 * HOUR + 300]);
    }
  });

  it('is not moved by a backlog drained at the pace it was recorded while live messages still show the old clock', () => {
    const clock = new ClockOffset();
    live(clock, 3 * HOUR, [0, 30_000, 61_000]);
    // 20 readings held 40 minutes, one a minute, each followed by a live status.
    const seen = new Set<number | undefined>();
    for (let i = 0; i < 20; i++) {
      const r = 10 * 60_000 + i * 60_000;
      clock.observe(T0 + r - 40 * 60_000 - 3 * HOUR, T0 + r);
      seen.add(clock.offsetMs);
      live(clock, 3 * HOUR, [r + 20_000]);
      seen.add(clock.offsetMs);
    }
    expect([...seen]).toEqual([3 * HOUR + 300]);
  });

  it('leaves out unset-clock stamps (before 2010), which are recorded at receipt anyway', () => {
    const clock = new ClockOffset();
    for (const r of [0, 30_000, 61_000]) clock.observe(r, T0 + r);
    expect(clock.offsetMs).toBeUndefined();
  });
});

describe('clockStampMs', () => {
  it('reads the stamp of the stamped charger messages, the latest of a MeterValues, and nothing from others or from what is no date-time', () => {
    expect(clockStampMs('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-07T09:00:00' })).toBe(Date.parse('2026-12-07T09:00:00Z'));
    expect(clockStampMs('StartTransaction', { timestamp: '2026-12-07T09:00:00Z' })).toBe(Date.parse('2026-12-07T09:00:00Z'));
    expect(clockStampMs('StopTransaction', { timestamp: 'yesterday' })).toBeUndefined();
    expect(clockStampMs('StatusNotification', { connectorId: 1 })).toBeUndefined();
    expect(
      clockStampMs('MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2026-12-07T09:00:00Z' }, { timestamp: '2026-12-07T09:05:00Z' }, { timestamp: 5 }, null] }),
    ).toBe(Date.parse('2026-12-07T09:05:00Z'));
    expect(clockStampMs('MeterValues', { connectorId: 1, meterValue: 'x' })).toBeUndefined();
    expect(clockStampMs('Heartbeat', {})).toBeUndefined();
    expect(clockStampMs('DataTransfer', { timestamp: '2026-12-07T09:00:00Z' })).toBeUndefined();
  });
});
