import { ManualClock, addDays, floorMinute, formatTaipei, parseTimeOfDay, taipeiAt, taipeiDate, taipeiDayHours, taipeiMidnightMs, taipeiMinuteOfDay, taipeiTomorrow } from './taipei.js';

describe('Asia/Taipei day helpers', () => {
  it('puts 15:59:59Z on the same Taipei day and 16:00Z on the next', () => {
    expect(taipeiDate(Date.parse('2024-09-30T15:59:59.999Z'))).toBe('2024-09-30');
    expect(taipeiDate(Date.parse('2024-09-30T16:00:00.000Z'))).toBe('2024-10-01');
  });

  it('computes tomorrow across month and year ends', () => {
    expect(taipeiTomorrow(new Date('2024-12-31T15:00:00Z'))).toBe('2025-01-01');
    expect(taipeiTomorrow(new Date('2024-12-31T16:30:00Z'))).toBe('2025-01-02');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('finds Taipei midnight and rejects impossible dates', () => {
    expect(new Date(taipeiMidnightMs('2024-10-01')).toISOString()).toBe('2024-09-30T16:00:00.000Z');
    expect(() => taipeiMidnightMs('2024-02-30')).toThrow(RangeError);
  });

  it('formats as ELMO does, with milliseconds and +08:00', () => {
    expect(formatTaipei(Date.parse('2024-09-30T16:00:00Z'))).toBe('2024-10-01T00:00:00.000+08:00');
    expect(formatTaipei(Date.parse('2024-10-01T05:15:30.250Z'))).toBe('2024-10-01T13:15:30.250+08:00');
  });

  it('reads the time of day and builds cut-off instants', () => {
    expect(taipeiMinuteOfDay(new Date('2024-10-01T02:05:00Z'))).toBe(10 * 60 + 5);
    expect(parseTimeOfDay('16:10')).toBe(970);
    expect(() => parseTimeOfDay('24:00')).toThrow(RangeError);
    expect(taipeiAt('2024-10-01', '10:05').toISOString()).toBe('2024-10-01T02:05:00.000Z');
  });

  it('gives 24 consecutive hours ending at the next midnight', () => {
    const hours = taipeiDayHours('2024-10-01');
    expect(hours).toHaveLength(24);
    expect(hours[23].endMs).toBe(taipeiMidnightMs('2024-10-02'));
    hours.slice(1).forEach((h, i) => expect(h.startMs).toBe(hours[i].endMs));
  });

  it('has a manual clock that can be set and advanced', () => {
    const clock = new ManualClock('2024-10-01T00:00:00Z');
    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe('2024-10-01T00:01:30.000Z');
    clock.set('2025-01-01T00:00:00Z');
    expect(clock.now().getUTCFullYear()).toBe(2025);
    expect(floorMinute(Date.parse('2024-10-01T00:01:30.500Z'))).toBe(Date.parse('2024-10-01T00:01:00Z'));
  });
});
