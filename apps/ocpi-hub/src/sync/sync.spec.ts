import { dueSync } from './sync.job.js';
import { stepBack } from './sync.service.js';

describe('sync schedule', () => {
  it('runs once in the configured hour: full on the full weekday, delta otherwise', () => {
    expect(dueSync(new Date('2026-11-28T01:30:00Z'), 1, 6)).toEqual({ day: '2026-11-28', mode: 'full' });
    expect(dueSync(new Date('2026-11-23T01:00:00Z'), 1, 6)).toEqual({ day: '2026-11-23', mode: 'delta' });
    expect(dueSync(new Date('2026-11-23T02:00:00Z'), 1, 6)).toBeUndefined();
  });

  it('steps a Link back when the total shrank mid-crawl, keeping its filters', () => {
    const next = stepBack('https://p/locations?date_to=2024-01-01T00%3A00%3A00Z&offset=200&limit=100', 1);
    const u = new URL(next);
    expect(u.searchParams.get('offset')).toBe('199');
    expect(u.searchParams.get('date_to')).toBe('2024-01-01T00:00:00Z');
    expect(new URL(stepBack('https://p/x?offset=0', 5)).searchParams.get('offset')).toBe('0');
  });
});
