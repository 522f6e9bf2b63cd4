import { parseInstant } from './instant.js';

describe('parseInstant (the timeline query)', () => {
  it('reads an ISO 8601 date-time with its zone', () => {
    expect(parseInstant('2026-12-05T00:00:00+08:00', 'from')).toBe(Date.parse('2026-12-04T16:00:00Z'));
    expect(parseInstant('2026-12-05T00:00:00Z', 'from')).toBe(Date.parse('2026-12-05T00:00:00Z'));
    expect(parseInstant(undefined, 'from')).toBeUndefined();
  });

  it.each([
    ['a date that does not exist', '2026-02-30T00:00:00Z'],
    ['no zone (read in the server\'s local time)', '2026-12-07T10:00:00'],
    ['a US-style date', '12/25/2026'],
    ['a date alone', '2026-12-25'],
    ['epoch milliseconds', '1700000000000'],
  ])('refuses %s with a 400 naming the field', (_what, value) => {
    expect(() => parseInstant(value, 'to')).toThrow(expect.objectContaining({ details: { to: expect.stringContaining('ISO-8601') } }));
  });
});
