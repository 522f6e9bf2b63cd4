import { DAY_MS, HOUR_MS, nextTaipeiDay, taipeiDayOf, taipeiDayStartMs, taipeiHourOf, taipeiMidnightBefore } from './taipei.js';

describe('Taipei calendar', () => {
  it('places 16:00Z on the next Taipei day (00:00+08:00)', () => {
    expect(taipeiDayOf(Date.parse('2025-06-17T16:00:00Z'))).toBe('2025-06-18');
    expect(taipeiDayOf(Date.parse('2025-06-17T15:59:59.999Z'))).toBe('2025-06-17');
  });

  it('starts a day at 16:00Z of the previous UTC day', () => {
    expect(taipeiDayStartMs('2025-06-18')).toBe(Date.parse('2025-06-17T16:00:00Z'));
    expect(() => taipeiDayStartMs('2025-13-40')).toThrow(RangeError);
  });

  it('finds the Taipei midnight before an instant, inclusive', () => {
    const midnight = Date.parse('2025-06-18T00:00:00+08:00');
    expect(taipeiMidnightBefore(midnight)).toBe(midnight);
    expect(taipeiMidnightBefore(midnight + DAY_MS - 1)).toBe(midnight);
    expect(taipeiMidnightBefore(midnight - 1)).toBe(midnight - DAY_MS);
  });

  it('gives the Taipei hour, with no DST anywhere in the year', () => {
    expect(taipeiHourOf(Date.parse('2025-06-18T13:30:00+08:00'))).toBe(13);
    expect(taipeiHourOf(Date.parse('2025-01-01T02:00:00Z'))).toBe(10);
    const start = taipeiDayStartMs('2025-03-01');
    for (let d = 0; d < 365; d += 7) expect(taipeiHourOf(start + d * DAY_MS + 5 * HOUR_MS)).toBe(5);
  });

  it('steps over month and year ends', () => {
    expect(nextTaipeiDay('2025-12-31')).toBe('2026-01-01');
    expect(nextTaipeiDay('2024-02-28')).toBe('2024-02-29');
  });
});
