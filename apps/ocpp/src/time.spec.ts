import { AHEAD_TOLERANCE_MS, chargerTime, correctedTime, CORRECTED_WITHIN_MS, isUnsetClock, parseOcppTime, UNSET_CLOCK_BEFORE } from './time.js';

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

describe('chargerTime', () => {
  const receivedAt = new Date('2026-12-06T18:00:00.123Z');

  it('takes a stamp before 2010 as an unset clock (the epoch after a power loss, an RTC default): the receipt time is the time of record', () => {
    expect(chargerTime('1970-01-01T00:00:05Z', receivedAt)).toEqual({ at: receivedAt, unset: true, ahead: false });
    expect(chargerTime('2000-01-01T00:00:30Z', receivedAt)).toEqual({ at: receivedAt, unset: true, ahead: false });
    expect(chargerTime('2009-12-31T23:59:59.999Z', receivedAt)).toEqual({ at: receivedAt, unset: true, ahead: false });
    // Offsets count: this is 2009-12-31T22:30Z.
    expect(chargerTime('2010-01-01T00:30:00+02', receivedAt)).toEqual({ at: receivedAt, unset: true, ahead: false });
  });

  it('keeps a stamp from 2010 on as the time it says (a message queued offline, a clock running behind)', () => {
    expect(chargerTime('2010-01-01T00:00:00Z', receivedAt)).toEqual({ at: new Date('2010-01-01T00:00:00Z'), unset: false, ahead: false });
    expect(chargerTime('2026-12-06T17:00:00', receivedAt)).toEqual({ at: new Date('2026-12-06T17:00:00Z'), unset: false, ahead: false });
  });

  it('keeps a stamp up to 15 minutes ahead of receipt as sent (clock drift), and takes one further ahead (a local time read as UTC) as the receipt time', () => {
    expect(AHEAD_TOLERANCE_MS).toBe(15 * 60_000);
    const edge = new Date(receivedAt.getTime() + AHEAD_TOLERANCE_MS);
    expect(chargerTime(edge.toISOString(), receivedAt)).toEqual({ at: edge, unset: false, ahead: false });
    expect(chargerTime(new Date(edge.getTime() + 1).toISOString(), receivedAt)).toEqual({ at: receivedAt, unset: false, ahead: true });
    // 20:00 in UTC+2 sent without its zone: two hours ahead.
    expect(chargerTime('2026-12-06T20:00:00', receivedAt)).toEqual({ at: receivedAt, unset: false, ahead: true });
    expect(chargerTime('2026-12-06T20:00:00+02', receivedAt)).toEqual({ at: new Date('2026-12-06T18:00:00Z'), unset: false, ahead: false });
  });

  it('refuses what is no date-time, as parseOcppTime does', () => {
    expect(() => chargerTime('1970', receivedAt)).toThrow(/not a date-time/);
  });
});

describe('isUnsetClock', () => {
  it('is true strictly before UNSET_CLOCK_BEFORE (2010-01-01T00:00:00Z)', () => {
    expect(UNSET_CLOCK_BEFORE.toISOString()).toBe('2010-01-01T00:00:00.000Z');
    expect(isUnsetClock(new Date(0))).toBe(true);
    expect(isUnsetClock(new Date(UNSET_CLOCK_BEFORE.getTime() - 1))).toBe(true);
    expect(isUnsetClock(UNSET_CLOCK_BEFORE)).toBe(false);
  });
});

describe('chargerTime with the connection clock offset', () => {
  const receivedAt = new Date('2026-12-07T12:22:48.600Z');
  const behind = 3 * 3_600_000 + 300;

  it('corrects a stamp sent as it happened by the offset, never after its receipt (a start stamped by a clock three hours behind)', () => {
    expect(chargerTime('2026-12-07T09:22:48Z', receivedAt, behind)).toEqual({ at: new Date('2026-12-07T12:22:48.300Z'), unset: false, ahead: false, corrected: true });
    // Sent a second earlier than the estimate says: at receipt, not after it.
    expect(chargerTime('2026-12-07T09:22:49.500Z', receivedAt, behind)).toEqual({ at: receivedAt, unset: false, ahead: false, corrected: true });
    // Held four minutes by the charger: still its corrected time.
    expect(chargerTime('2026-12-07T09:18:48Z', receivedAt, behind).at).toEqual(new Date('2026-12-07T12:18:48.300Z'));
  });

  it('keeps a stamp held longer than CORRECTED_WITHIN_MS (queued, maybe before the clock was changed), one far ahead of the estimate (a clock corrected since), and an unset clock as without an offset', () => {
    expect(CORRECTED_WITHIN_MS).toBe(5 * 60_000);
    expect(chargerTime('2026-12-07T08:00:00Z', receivedAt, behind)).toEqual({ at: new Date('2026-12-07T08:00:00Z'), unset: false, ahead: false });
    expect(chargerTime('2026-12-07T12:22:48Z', receivedAt, behind)).toEqual({ at: new Date('2026-12-07T12:22:48Z'), unset: false, ahead: false });
    expect(chargerTime('1970-01-01T00:00:05Z', receivedAt, behind)).toEqual({ at: receivedAt, unset: true, ahead: false });
  });

  it('corrects a clock ahead beyond the tolerance the same way (its live stamps are then about the receipt)', () => {
    expect(correctedTime(Date.parse('2026-12-07T14:22:48Z'), receivedAt.getTime(), -2 * 3_600_000 + 300)).toBe(Date.parse('2026-12-07T12:22:48.300Z'));
  });
});
