import { InboundIds } from './inbound-ids.js';

describe('InboundIds', () => {
  it('answers a retransmission with the stored answer, a reused id with busy, and forgets the oldest id beyond its capacity', () => {
    const ids = new InboundIds(3);
    for (const id of ['a', 'b', 'c']) {
      expect(ids.begin(id, `fp-${id}`)).toEqual({ kind: 'new' });
      ids.answered(id, `answer-${id}`);
    }
    expect(ids.begin('b', 'fp-b')).toEqual({ kind: 'answered', frame: 'answer-b' });
    expect(ids.begin('b', 'other')).toEqual({ kind: 'busy' });
    // A retransmission does not count as a new id: 'a' is still the oldest and goes first.
    expect(ids.begin('d', 'fp-d')).toEqual({ kind: 'new' });
    expect(ids.begin('a', 'fp-a')).toEqual({ kind: 'new' });
    expect(ids.begin('c', 'fp-c')).toEqual({ kind: 'answered', frame: 'answer-c' });
    // 'a' came back in place of 'b', the oldest then.
    expect(ids.begin('b', 'fp-b')).toEqual({ kind: 'new' });
    expect(ids.begin('d', 'fp-d')).toEqual({ kind: 'busy' });
  });

  it('starts afresh after clear and refuses a capacity below one', () => {
    const ids = new InboundIds(2);
    ids.begin('x', 'fp');
    ids.answered('x', 'ans');
    ids.clear();
    expect(ids.begin('x', 'fp')).toEqual({ kind: 'new' });
    expect(() => new InboundIds(0)).toThrow(RangeError);
  });
});
