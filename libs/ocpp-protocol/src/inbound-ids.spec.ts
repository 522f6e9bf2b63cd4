import { serializeCallError, serializeCallResult } from './frames.js';
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

  it('gives back the exact answer frame of a retransmission, whether it kept the whole frame or only a shared payload', () => {
    const ids = new InboundIds();
    const answers: Record<string, string> = {
      'm-1': serializeCallResult('m-1', {}),
      'q"2': serializeCallResult('q"2', {}),
      b3: serializeCallResult('b3', { status: 'Accepted', currentTime: '2026-12-05T00:00:00Z', interval: 300 }),
      e4: serializeCallError('e4', 'ProtocolError', 'bad', {}),
    };
    for (const [id, frame] of Object.entries(answers)) {
      ids.begin(id, 'fp');
      ids.answered(id, frame);
    }
    for (const [id, frame] of Object.entries(answers)) expect(ids.begin(id, 'fp')).toEqual({ kind: 'answered', frame });
  });

  describe('a retransmission re-serialised by the charger (other whitespace, key order, number spelling)', () => {
    const first = '[2,"m1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available","info":{"a":[1,2]}}]';
    const resent = '[ 2, "m1", "StatusNotification", { "status": "Available", "info": { "a": [1.0, 2] }, "errorCode": "NoError", "connectorId": 1 } ]';
    const answer = serializeCallResult('m1', {});

    it('gets the stored answer, once answered; while in flight it is busy', () => {
      const ids = new InboundIds();
      expect(ids.begin('m1', 'fp-first', first)).toEqual({ kind: 'new' });
      expect(ids.begin('m1', 'fp-resent', resent)).toEqual({ kind: 'busy' });
      ids.answered('m1', answer);
      expect(ids.begin('m1', 'fp-resent', resent)).toEqual({ kind: 'answered', frame: answer });
    });

    it.each([
      ['another value', resent.replace('"Available"', '"Charging"')],
      ['a key more', resent.replace('"connectorId": 1', '"connectorId": 1, "x": null')],
      ['an array in another order', resent.replace('[1.0, 2]', '[2, 1]')],
      ['another action', resent.replace('StatusNotification', 'Heartbeat')],
    ])('is busy when the content differs: %s', (_case, other) => {
      const ids = new InboundIds();
      ids.begin('m1', 'fp-first', first);
      ids.answered('m1', answer);
      expect(ids.begin('m1', 'fp-other', other)).toEqual({ kind: 'busy' });
    });

    it('is compared for the latest `textsKept` ids only, and not for a frame over `maxTextChars`', () => {
      const ids = new InboundIds(16, 2, first.length + 64);
      ids.begin('m1', 'fp-first', first);
      ids.answered('m1', answer);
      ids.begin('x1', 'fp', '[2,"x1","Heartbeat",{}]');
      expect(ids.begin('m1', 'fp-resent', resent).kind).toBe('answered');
      ids.begin('x2', 'fp', '[2,"x2","Heartbeat",{}]');
      // Two newer ids: its text is gone, its digest still answers an identical frame.
      expect(ids.begin('m1', 'fp-resent', resent)).toEqual({ kind: 'busy' });
      expect(ids.begin('m1', 'fp-first', first).kind).toBe('answered');
      const long = first.replace('"m1"', '"m2"').replace('"NoError"', `"NoError"${' '.repeat(80)}`);
      ids.begin('m2', 'fp-long', long);
      ids.answered('m2', serializeCallResult('m2', {}));
      expect(ids.begin('m2', 'fp-resent', resent.replace('"m1"', '"m2"'))).toEqual({ kind: 'busy' });
    });

    it('keeps texts within `maxTextChars` in all: an older text gives way to a newer one that would not fit beside it', () => {
      const ids = new InboundIds(16, 4, first.length + 10);
      ids.begin('m1', 'fp-first', first);
      ids.answered('m1', answer);
      const other = first.replace(/"m1"/g, '"m3"');
      ids.begin('m3', 'fp-m3', other);
      ids.answered('m3', serializeCallResult('m3', {}));
      // m1's text gave way (two would not fit); m3's is kept.
      expect(ids.begin('m1', 'fp-resent', resent)).toEqual({ kind: 'busy' });
      expect(ids.begin('m3', 'fp-resent', resent.replace(/"m1"/g, '"m3"')).kind).toBe('answered');
    });
  });

  it('remembers 16 ids by default', () => {
    const ids = new InboundIds();
    for (let i = 0; i < 17; i++) {
      ids.begin(`id${i}`, 'fp');
      ids.answered(`id${i}`, serializeCallResult(`id${i}`, {}));
    }
    expect(ids.begin('id0', 'fp')).toEqual({ kind: 'new' });
    expect(ids.begin('id16', 'fp').kind).toBe('answered');
    expect(ids.begin('id2', 'fp').kind).toBe('answered');
  });
});
