import { StationLogThrottle } from './station-log-throttle.js';

describe('StationLogThrottle', () => {
  const at = (s: number) => new Date(Date.parse('2026-12-06T18:00:00Z') + s * 1000);

  it('lets the first occurrence per station through, counts the rest of the interval, then reports the count', () => {
    const t = new StationLogThrottle(60_000);
    expect(t.take('A', at(0))).toBe(0);
    expect(t.take('A', at(10))).toBeUndefined();
    expect(t.take('A', at(59))).toBeUndefined();
    expect(t.take('B', at(30))).toBe(0);
    expect(t.take('A', at(60))).toBe(2);
    expect(t.take('A', at(61))).toBeUndefined();
  });

  it('forgets stations quiet for an interval once it holds maxStations, and logs a receipt time going back', () => {
    const t = new StationLogThrottle(60_000, 2);
    t.take('A', at(0));
    t.take('B', at(0));
    expect(t.take('C', at(120))).toBe(0);
    expect(t.take('A', at(121))).toBe(0); // forgotten: logged as new
    expect(t.take('A', at(100))).toBe(0); // a clock going back: logged rather than silenced
  });

  it('never holds more than maxStations, even when all of them logged within the interval', () => {
    const t = new StationLogThrottle(60_000, 3);
    for (let i = 0; i < 1000; i++) t.take(`S${i}`, at(i / 100));
    expect(t.size).toBeLessThanOrEqual(3);
  });

  it('at the bound, evicts the station whose last line is the oldest, not the one remembered first', () => {
    const t = new StationLogThrottle(60_000, 2);
    t.take('A', at(0));
    t.take('B', at(30));
    expect(t.take('A', at(61))).toBe(0); // A logs again: now the more recent of the two
    t.take('C', at(62)); // full, both within their interval: B (last line at 30 s) goes, A stays
    expect(t.take('A', at(63))).toBeUndefined();
    expect(t.take('B', at(64))).toBe(0);
  });
});
