import { parseOcppTime } from './time.js';

describe('parseOcppTime', () => {
  it('reads every timestamp the schema admits: a leap second and an hour-only offset, which Date cannot parse (the start or stop was refused and finally discarded)', () => {
    expect(parseOcppTime('2016-12-31T23:59:60Z').toISOString()).toBe('2017-01-01T00:00:00.000Z');
    expect(parseOcppTime('2026-12-05T10:00:00+02').toISOString()).toBe('2026-12-05T08:00:00.000Z');
    expect(parseOcppTime('2026-12-05T10:00:00.123456+0200').toISOString()).toBe('2026-12-05T08:00:00.123Z');
  });

  it('takes a timestamp without a zone as UTC (guide §1.10), and refuses what is no date-time', () => {
    expect(parseOcppTime('2026-12-05T10:00:00').toISOString()).toBe('2026-12-05T10:00:00.000Z');
    expect(() => parseOcppTime('2026-02-30T10:00:00Z')).toThrow(/not a date-time/);
    expect(() => parseOcppTime('yesterday')).toThrow(/not a date-time/);
  });
});
