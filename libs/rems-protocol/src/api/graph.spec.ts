import { formatTerm, parseGraphDate, resolveGraphWindow } from './graph.js';

const now = new Date('2026-03-01T05:30:00.000Z');

describe('parseGraphDate', () => {
  it.each([
    ['2026-02-28', '2026-02-28T00:00:00.000Z'],
    ['2026-02-28 13:45', '2026-02-28T13:45:00.000Z'],
    ['2026-02-28 13:45:10', '2026-02-28T13:45:10.000Z'],
    ['2026-02-28T13:45:10Z', '2026-02-28T13:45:10.000Z'],
    ['2026-02-28T22:45:10+09:00', '2026-02-28T13:45:10.000Z'],
  ])('%s is read as UTC', (input, iso) => expect(parseGraphDate(input)?.toISOString()).toBe(iso));

  it.each(['2026-02-30', '2026-13-01', 'yesterday', '28/02/2026', '2026-02-28 25:00'])('%s is refused', (input) => {
    expect(parseGraphDate(input)).toBeUndefined();
  });
});

describe('resolveGraphWindow', () => {
  it.each([
    ['PER_METER', undefined, '2026-02-28T05:30:00.000Z'],
    ['HOUR', 'HOUR', '2026-02-28T05:30:00.000Z'],
    ['DAY', 'DAY', '2026-01-29T05:30:00.000Z'],
    ['MONTH', 'MONTH', '2025-03-01T05:30:00.000Z'],
  ] as const)('defaults for %s', (period, given, start) => {
    const result = resolveGraphWindow({ period: given }, now);
    expect(result).toEqual({ ok: true, window: { period, start: new Date(start), end: now } });
  });

  it('takes explicit dates, and reports bad or reversed ones per field', () => {
    const ok = resolveGraphWindow({ period: 'DAY', startDate: '2026-02-01', endDate: '2026-02-03' }, now);
    expect(ok).toEqual({ ok: true, window: { period: 'DAY', start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-02-03T00:00:00Z') } });
    expect(resolveGraphWindow({ startDate: 'x', endDate: 'y' }, now)).toEqual({ ok: false, fieldError: { startDate: expect.any(String), endDate: expect.any(String) } });
    expect(resolveGraphWindow({ startDate: '2026-02-03', endDate: '2026-02-01' }, now)).toEqual({ ok: false, fieldError: { endDate: 'must be after startDate' } });
  });
});

describe('formatTerm', () => {
  const at = new Date('2026-01-31T23:07:00Z');
  it.each([
    ['MONTH', '2026-01'],
    ['DAY', '26-01-31'],
    ['HOUR', '31-23'],
    ['PER_METER', '26-01-31 23:07'],
  ] as const)('%s → %s', (period, term) => expect(formatTerm(period, at)).toBe(term));
});
