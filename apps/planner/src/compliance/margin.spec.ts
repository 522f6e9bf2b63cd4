import { BREACH_MARGIN_STEP, MAX_MARGIN, adaptiveMargin, meterAgeMs } from './margin.js';

const H = 3_600_000;

describe('adaptive margin', () => {
  const now = 1_000 * H;

  it('is the configured margin without any breach', () => {
    expect(adaptiveMargin(0.05, undefined, now)).toBe(0.05);
  });

  it('rises by two points for 24 h after a breached window, then decays linearly over 24 h', () => {
    expect(adaptiveMargin(0.05, now - H, now)).toBeCloseTo(0.07, 10);
    expect(adaptiveMargin(0.05, now - 24 * H, now)).toBeCloseTo(0.07, 10);
    expect(adaptiveMargin(0.05, now - 36 * H, now)).toBeCloseTo(0.06, 10);
    expect(adaptiveMargin(0.05, now - 48 * H, now)).toBeCloseTo(0.05, 10);
    expect(adaptiveMargin(0.05, now - 100 * H, now)).toBeCloseTo(0.05, 10);
  });

  it('treats a breach stamped in the future (clock skew) as just now, and never exceeds the cap', () => {
    expect(adaptiveMargin(0.05, now + H, now)).toBeCloseTo(0.05 + BREACH_MARGIN_STEP, 10);
    expect(adaptiveMargin(0.49, now, now)).toBe(MAX_MARGIN);
  });
});

describe('meter age', () => {
  const now = 10 * H;

  it('is the oldest register among connectors with a session; idle ones do not count', () => {
    expect(
      meterAgeMs(
        [
          { sessionActive: true, energyAtMs: now - 30_000 },
          { sessionActive: true, energyAtMs: now - 90_000 },
          { sessionActive: false, energyAtMs: now - 10 * H },
        ],
        now,
      ),
    ).toBe(90_000);
  });

  it('counts a session without any reading from its start, and one with no timestamp at all as stale', () => {
    expect(meterAgeMs([{ sessionActive: true, sessionStartedAtMs: now - 45_000 }], now)).toBe(45_000);
    // A reading from before the session (the previous one) does not make the new session look older.
    expect(meterAgeMs([{ sessionActive: true, energyAtMs: now - H, sessionStartedAtMs: now - 5_000 }], now)).toBe(5_000);
    expect(meterAgeMs([{ sessionActive: true }], now)).toBe(Infinity);
  });

  it('is undefined when nothing charges', () => {
    expect(meterAgeMs([], now)).toBeUndefined();
    expect(meterAgeMs([{ sessionActive: false }], now)).toBeUndefined();
  });
});
