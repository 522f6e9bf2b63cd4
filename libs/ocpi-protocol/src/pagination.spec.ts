import { inWindow, nextLink, paginationHeaders, parsePageQuery } from './pagination.js';

describe('pagination', () => {
  it('defaults offset to 0 and limit to the maximum, and clamps a larger limit', () => {
    expect(parsePageQuery({}, 100)).toEqual({ ok: true, value: { offset: 0, limit: 100 } });
    expect(parsePageQuery({ limit: '5000', offset: '7' }, 100)).toEqual({ ok: true, value: { offset: 7, limit: 100 } });
    expect(parsePageQuery({ limit: '10' }, 100)).toMatchObject({ ok: true, value: { limit: 10 } });
  });

  it('rejects bad numbers and dates, and a missing date_from where it is required', () => {
    expect(parsePageQuery({ offset: '-1' }, 100).ok).toBe(false);
    expect(parsePageQuery({ limit: 'ten' }, 100).ok).toBe(false);
    expect(parsePageQuery({ date_from: 'yesterday' }, 100).ok).toBe(false);
    expect(parsePageQuery({ date_from: ['a', 'b'] }, 100).ok).toBe(false);
    expect(parsePageQuery({}, 100, { requireDateFrom: true })).toEqual({ ok: false, reason: 'date_from is required' });
  });

  it('treats date_from as inclusive and date_to as exclusive', () => {
    const q = parsePageQuery({ date_from: '2024-01-01T00:00:00Z', date_to: '2024-01-02T00:00:00' }, 100);
    if (!q.ok) throw new Error(q.reason);
    expect(inWindow(new Date('2024-01-01T00:00:00Z'), q.value)).toBe(true);
    expect(inWindow(new Date('2024-01-01T23:59:59.999Z'), q.value)).toBe(true);
    expect(inWindow(new Date('2024-01-02T00:00:00Z'), q.value)).toBe(false);
    expect(inWindow(new Date('2023-12-31T23:59:59Z'), q.value)).toBe(false);
  });

  it('sends Link with every filter while a next page exists, X-Total-Count and X-Limit = maximum', () => {
    const q = parsePageQuery({ date_from: '2024-01-01T00:00:00Z', limit: '100' }, 100);
    if (!q.ok) throw new Error(q.reason);
    const first = paginationHeaders('https://hub/ocpi/x/locations', q.value, 250, 100, 100);
    expect(first['X-Total-Count']).toBe('250');
    expect(first['X-Limit']).toBe('100');
    const next = nextLink(first.Link);
    const url = new URL(next!);
    expect(url.searchParams.get('offset')).toBe('100');
    expect(url.searchParams.get('limit')).toBe('100');
    expect(url.searchParams.get('date_from')).toBe('2024-01-01T00:00:00Z');
    const last = paginationHeaders('https://hub/ocpi/x/locations', { ...q.value, offset: 200 }, 250, 100, 50);
    expect(last.Link).toBeUndefined();
    expect(last['X-Limit']).toBe('100');
  });

  it('finds the next link among several relations', () => {
    expect(nextLink('<https://a/prev>; rel="prev", <https://a/next?offset=2>; rel="next"')).toBe('https://a/next?offset=2');
    expect(nextLink(null)).toBeUndefined();
  });
});
