import { parseDateTimeMs } from './date-time.js';
import { validateRequest16 } from './v16/validator.js';

const iso = (text: string, utc = false): string | undefined => {
  const ms = parseDateTimeMs(text, utc ? { missingZone: 'utc' } : undefined);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};

describe('parseDateTimeMs', () => {
  it.each([
    ['2025-03-01T12:00:00Z', '2025-03-01T12:00:00.000Z'],
    ['2025-03-01t12:00:00z', '2025-03-01T12:00:00.000Z'],
    ['2025-03-01 12:00:00Z', '2025-03-01T12:00:00.000Z'],
    ['2025-03-01T12:00:00.5Z', '2025-03-01T12:00:00.500Z'],
    ['2025-03-01T12:00:00.123456789Z', '2025-03-01T12:00:00.123Z'],
    ['2025-03-01T12:00:00+02:00', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T12:00:00+0200', '2025-03-01T10:00:00.000Z'],
    // Hour-only offset: ISO 8601 and the schema format admit it; Date.parse gives NaN.
    ['2025-03-01T12:00:00+02', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T12:00:00-05:30', '2025-03-01T17:30:00.000Z'],
    ['2025-03-01T12:00:00-00:00', '2025-03-01T12:00:00.000Z'],
    // Leap seconds (Date.parse: NaN) are read as the next second, as PostgreSQL does.
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T23:59:60.5Z', '2017-01-01T00:00:00.500Z'],
    ['2017-01-01T00:59:60+01:00', '2017-01-01T00:00:00.000Z'],
    // Before 1970, and years Date.UTC would shift into the 1900s.
    ['1969-07-20T20:17:40Z', '1969-07-20T20:17:40.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-12-31T23:59:59Z', '0099-12-31T23:59:59.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it.each([
    '2025-03-01T12:00:00', // no zone (strict reading)
    '2025-03-01T23:58:60Z', // a leap second not at 23:59 UTC
    '2025-03-01T23:59:60+01:00', // 22:59:60 UTC
    '1900-02-29T00:00:00Z',
    '2025-02-30T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-03-01T24:00:00Z',
    '2025-03-01T12:60:00Z',
    '2025-03-01T12:00:00+24:00',
    '2025-03-01T12:00Z',
    '2025-03-01T12:00:00,5Z',
    '2025-03-01T12:00:00.Z',
    '2025-03-01\t12:00:00Z',
    '+002025-03-01T12:00:00Z',
    '2025-03-01',
    'yesterday',
    '',
  ])('refuses %j', (text) => {
    expect(parseDateTimeMs(text)).toBeUndefined();
  });

  it('reads a missing zone as UTC only when asked (guide §1.10 lenient reading)', () => {
    expect(iso('2025-03-01T12:00:00', true)).toBe('2025-03-01T12:00:00.000Z');
    expect(iso('2025-03-01T12:00:00')).toBeUndefined();
  });

  it('matches the validator: a timestamp passes the date-time format exactly when it can be read', () => {
    const samples = [
      '2025-03-01T12:00:00Z',
      '2025-03-01 12:00:00z',
      '2025-03-01T12:00:00+02',
      '2025-03-01T12:00:00+0200',
      '2016-12-31T23:59:60Z',
      '2025-03-01T23:59:60+01:00',
      '2025-03-01T12:00:00',
      '2025-02-29T00:00:00Z',
      // Ajv-formats splits on any whitespace; neither RFC 3339 nor ISO 8601 allows these.
      '2025-03-01\t12:00:00Z',
      '2025-03-01\n12:00:00Z',
    ];
    for (const timestamp of samples) {
      const valid = validateRequest16('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp }).ok;
      expect({ timestamp, valid }).toEqual({ timestamp, valid: parseDateTimeMs(timestamp) !== undefined });
    }
  });
});
