import { jest } from '@jest/globals';
import { serializeCallError, serializeCallResult } from './frames.js';
import { InboundIds, REUSED_ID_AFTER_MS } from './inbound-ids.js';

/**
 * A BootNotification the charger retransmits (it missed our answer) is not a second reboot: it gets
 * the answer it missed, with a fresh time, and is not handled again.
 */
describe('InboundIds: a retransmitted BootNotification', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const bootAnswer = (id: string) => serializeCallResult(id, { status: 'Pending', currentTime: '2026-01-01T00:00:00.000Z', interval: 30 });
  const boot = (ids: InboundIds, id: string, fp = 'fp-boot', text?: string) => ids.begin(id, fp, text, 'restart');

  it('is answered with the status given and a fresh currentTime, and forgets nothing', () => {
    const ids = new InboundIds();
    ids.connected();
    ids.begin('m', 'fp-m');
    ids.answered('m', serializeCallResult('m', {}));
    expect(boot(ids, 'b')).toEqual({ kind: 'new' });
    ids.answered('b', bootAnswer('b'));
    ids.begin('m2', 'fp-m2');
    ids.answered('m2', serializeCallResult('m2', {}));
    jest.advanceTimersByTime(30_000);
    const again = boot(ids, 'b');
    expect(again.kind).toBe('answered');
    const [type, id, payload] = JSON.parse((again as { frame: string }).frame) as [number, string, Record<string, unknown>];
    expect([type, id]).toEqual([3, 'b']);
    expect(payload).toEqual({ status: 'Pending', interval: 30, currentTime: '2026-01-01T00:00:30.000Z' });
    // Not a reboot: the ids answered since are still retransmissions.
    expect(ids.begin('m2', 'fp-m2').kind).toBe('answered');
  });

  it('re-serialised is a retransmission too', () => {
    const ids = new InboundIds();
    ids.connected();
    const text = '[2,"b","BootNotification",{"chargePointVendor":"A","chargePointModel":"M"}]';
    boot(ids, 'b', 'fp-1', text);
    ids.answered('b', bootAnswer('b'));
    expect(boot(ids, 'b', 'fp-2', '[2, "b", "BootNotification", {"chargePointModel":"M","chargePointVendor":"A"}]').kind).toBe('answered');
  });

  it('is a reboot on a new connection, after the window, with other content, or after a CallError', () => {
    const ids = new InboundIds();
    ids.connected();
    boot(ids, 'b');
    ids.answered('b', bootAnswer('b'));
    ids.connected();
    expect(boot(ids, 'b')).toEqual({ kind: 'new' });
    ids.answered('b', bootAnswer('b'));
    jest.advanceTimersByTime(REUSED_ID_AFTER_MS + 1);
    expect(boot(ids, 'b')).toEqual({ kind: 'new' });
    ids.answered('b', bootAnswer('b'));
    expect(boot(ids, 'b', 'fp-other')).toEqual({ kind: 'new' });
    ids.answered('b', serializeCallError('b', 'InternalError', 'internal error', {}));
    expect(boot(ids, 'b', 'fp-other')).toEqual({ kind: 'new' });
  });

  it('an id answered for another message is no boot to retransmit', () => {
    const ids = new InboundIds();
    ids.connected();
    ids.begin('1', 'fp-1');
    ids.answered('1', serializeCallResult('1', {}));
    expect(boot(ids, '1', 'fp-1')).toEqual({ kind: 'new' });
  });
});
