import { overdue } from './missed-messages.js';

const deadlines = { assign: '10:05', reply: '16:10' };
const none = { assignmentReceived: false, adjustAccepted: false, replyReceived: false };

describe('overdue ELMO messages', () => {
  it('misses the assignment only from 10:05 Taipei', () => {
    expect(overdue(new Date('2024-10-01T02:04:59Z'), none, deadlines).kinds).toEqual([]);
    expect(overdue(new Date('2024-10-01T02:05:00Z'), none, deadlines)).toEqual({ day: '2024-10-02', kinds: ['assignment_missing'] });
    expect(overdue(new Date('2024-10-01T02:05:00Z'), { ...none, assignmentReceived: true }, deadlines).kinds).toEqual([]);
  });

  it('misses a reply only after an accepted adjust and from 16:10', () => {
    const adjusted = { assignmentReceived: true, adjustAccepted: true, replyReceived: false };
    expect(overdue(new Date('2024-10-01T08:09:00Z'), adjusted, deadlines).kinds).toEqual([]);
    expect(overdue(new Date('2024-10-01T08:10:00Z'), adjusted, deadlines).kinds).toEqual(['reply_missing']);
    expect(overdue(new Date('2024-10-01T08:10:00Z'), { ...adjusted, replyReceived: true }, deadlines).kinds).toEqual([]);
    expect(overdue(new Date('2024-10-01T08:10:00Z'), { ...adjusted, adjustAccepted: false }, deadlines).kinds).toEqual([]);
  });

  it('starts over after Taipei midnight: the new tomorrow has until 10:05', () => {
    expect(overdue(new Date('2024-10-01T16:00:00Z'), none, deadlines)).toEqual({ day: '2024-10-03', kinds: [] });
  });
});
