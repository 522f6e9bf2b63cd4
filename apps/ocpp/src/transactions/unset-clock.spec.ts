import { AHEAD_TOLERANCE_MS } from '../time.js';
import { needsAheadLock } from './unset-clock.js';

describe('needsAheadLock', () => {
  const receivedAt = new Date('2026-12-06T12:00:00Z');
  const ahead = (ms: number) => new Date(receivedAt.getTime() + ms);

  it('leaves a start stamped in the past, at its receipt or drifted seconds or minutes ahead unlocked: no round trip', () => {
    expect(needsAheadLock(ahead(-3_600_000), receivedAt)).toBe(false);
    expect(needsAheadLock(receivedAt, receivedAt)).toBe(false);
    expect(needsAheadLock(ahead(30_000), receivedAt)).toBe(false);
    expect(needsAheadLock(ahead(AHEAD_TOLERANCE_MS - 60_000), receivedAt)).toBe(false);
  });

  it('locks a start stamped within a minute of the tolerance: a copy of a start kept as ahead may still be in hand', () => {
    expect(needsAheadLock(ahead(AHEAD_TOLERANCE_MS - 59_000), receivedAt)).toBe(true);
    expect(needsAheadLock(ahead(AHEAD_TOLERANCE_MS), receivedAt)).toBe(true);
  });
});
