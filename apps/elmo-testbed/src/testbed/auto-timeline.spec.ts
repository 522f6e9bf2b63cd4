import { milestonesBetween } from './auto-timeline.js';

describe('ELMO daily milestones', () => {
  it('replays every milestone crossed by a jump, in order, for tomorrow', () => {
    const due = milestonesBetween(Date.parse('2024-09-30T15:59:00Z'), Date.parse('2024-10-01T08:00:00Z')); // 23:59 → 16:00 Taipei
    expect(due.map((d) => d.milestone)).toEqual(['create', 'assign', 'close', 'auto_reply']);
    expect(new Set(due.map((d) => d.day))).toEqual(new Set(['2024-10-02']));
  });

  it('includes the end and excludes the start of the span', () => {
    const tenOClock = Date.parse('2024-10-01T02:00:00Z');
    expect(milestonesBetween(tenOClock - 1, tenOClock).map((d) => d.milestone)).toEqual(['assign']);
    expect(milestonesBetween(tenOClock, tenOClock + 60_000)).toEqual([]);
    expect(milestonesBetween(tenOClock, tenOClock - 1)).toEqual([]);
  });

  it('bounds the replay after a very long jump', () => {
    expect(milestonesBetween(0, Date.parse('2024-10-01T00:00:00Z'), 2)).toHaveLength(10);
  });
});
