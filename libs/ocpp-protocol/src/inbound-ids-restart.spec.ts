import { jest } from '@jest/globals';
import { serializeCallResult } from './frames.js';
import { inboundIdRule, InboundIds, REUSED_ID_AFTER_MS } from './inbound-ids.js';

/** A charger whose id counter restarts (a reboot) or that reuses an id long after its first use. */
describe('InboundIds: ids a charger uses again', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const answer = (ids: InboundIds, id: string) => ids.answered(id, serializeCallResult(id, {}));

  it('a BootNotification is processed whatever its id answered before, and forgets the answered ids', () => {
    const ids = new InboundIds();
    for (const id of ['1', '2', '3']) {
      ids.begin(id, `fp-${id}`);
      answer(ids, id);
    }
    ids.begin('9', 'fp-9'); // still in flight
    expect(ids.begin('1', 'fp-1', undefined, 'restart')).toEqual({ kind: 'new' });
    // The counter restarted: the ids answered before the boot are new messages now.
    expect(ids.begin('2', 'fp-2')).toEqual({ kind: 'new' });
    expect(ids.begin('3', 'fp-3')).toEqual({ kind: 'new' });
    // Still handled: a second CALL with its id is refused, as the boot's own id now is.
    expect(ids.begin('9', 'fp-9')).toEqual({ kind: 'busy' });
    expect(ids.begin('1', 'fp-1', undefined, 'restart')).toEqual({ kind: 'busy' });
  });

  it('a BootNotification whose own id is still in flight is busy and forgets nothing', () => {
    const ids = new InboundIds();
    ids.begin('b', 'fp-b', undefined, 'restart');
    ids.begin('a', 'fp-a');
    answer(ids, 'a');
    expect(ids.begin('b', 'fp-b', undefined, 'restart')).toEqual({ kind: 'busy' });
    expect(ids.begin('a', 'fp-a').kind).toBe('answered');
  });

  it('an answer that carries the time is never replayed: a retransmission is handled again', () => {
    const ids = new InboundIds();
    expect(ids.begin('h', 'fp-h', undefined, 'rerun')).toEqual({ kind: 'new' });
    expect(ids.begin('h', 'fp-h', undefined, 'rerun')).toEqual({ kind: 'busy' });
    answer(ids, 'h');
    expect(ids.begin('h', 'fp-h', undefined, 'rerun')).toEqual({ kind: 'new' });
    expect(ids.begin('h', 'fp-h', undefined, 'rerun')).toEqual({ kind: 'busy' });
  });

  it('another message under an answered id of an earlier connection is new; on this connection it is busy until the retry window is over', () => {
    const ids = new InboundIds();
    ids.connected();
    ids.begin('7', 'fp-start-1', '[2,"7","StartTransaction",{"connectorId":1}]');
    answer(ids, '7');
    expect(ids.begin('7', 'fp-start-2', '[2,"7","StartTransaction",{"connectorId":2}]')).toEqual({ kind: 'busy' });
    ids.connected();
    // The identical message is a retransmission (its answer was lost with the connection).
    expect(ids.begin('7', 'fp-start-1').kind).toBe('answered');
    expect(ids.begin('7', 'fp-start-2', '[2,"7","StartTransaction",{"connectorId":2}]')).toEqual({ kind: 'new' });
    answer(ids, '7');
    expect(ids.begin('7', 'fp-start-2').kind).toBe('answered');
    expect(ids.begin('7', 'fp-start-3')).toEqual({ kind: 'busy' });
    jest.advanceTimersByTime(REUSED_ID_AFTER_MS + 1);
    expect(ids.begin('7', 'fp-start-3')).toEqual({ kind: 'new' });
  });

  it('an entry renewed in place keeps one slot in the id ring and one text', () => {
    const ids = new InboundIds(2, 2, 100);
    ids.begin('x', 'fp-x1', '[2,"x","Heartbeat",{}]', 'rerun');
    answer(ids, 'x');
    ids.begin('x', 'fp-x1', '[2,"x","Heartbeat",{}]', 'rerun');
    answer(ids, 'x');
    ids.begin('y', 'fp-y');
    answer(ids, 'y');
    // Two ids remembered: x and y; a third evicts x (the oldest), not y.
    ids.begin('z', 'fp-z');
    expect(ids.begin('y', 'fp-y').kind).toBe('answered');
    expect(ids.begin('x', 'fp-x1')).toEqual({ kind: 'new' });
  });

  it('names the 1.6 rules by action', () => {
    expect(inboundIdRule('BootNotification')).toBe('restart');
    expect(inboundIdRule('Heartbeat')).toBe('rerun');
    expect(inboundIdRule('StartTransaction')).toBe('replay');
    expect(inboundIdRule('StatusNotification')).toBe('replay');
  });
});
