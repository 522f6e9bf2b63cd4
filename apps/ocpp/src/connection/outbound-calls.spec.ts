import { jest } from '@jest/globals';
import { OutboundCalls, type CallOutcome } from './outbound-calls.js';

describe('OutboundCalls (one CALL in flight per station)', () => {
  let sent: { id: string; action: string }[];
  let calls: OutboundCalls;
  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    calls = new OutboundCalls((id, action) => sent.push({ id, action }), 2);
  });
  afterEach(() => {
    calls.close();
    jest.useRealTimers();
  });

  it('sends one at a time in FIFO order; the next goes when the previous is answered', async () => {
    const a = calls.call('Reset', {}, { timeoutMs: 1000 });
    const b = calls.call('ClearCache', {}, { timeoutMs: 1000 });
    expect(sent.map((s) => s.action)).toEqual(['Reset']);
    expect(calls.settle(sent[0]!.id, { kind: 'result', payload: { status: 'Accepted' } })).toBe('Reset');
    expect(await a).toEqual({ kind: 'result', payload: { status: 'Accepted' } });
    expect(sent.map((s) => s.action)).toEqual(['Reset', 'ClearCache']);
    calls.settle(sent[1]!.id, { kind: 'error', code: 'NotSupported', description: '', details: {} });
    expect((await b).kind).toBe('error');
  });

  it('times out the call in flight and moves on; past its late window an answer matches nothing', async () => {
    const a = calls.call('Reset', {}, { timeoutMs: 1000 });
    const b = calls.call('ClearCache', {}, { timeoutMs: 5000 });
    jest.advanceTimersByTime(1000);
    expect(await a).toEqual({ kind: 'timeout' });
    expect(sent.map((s) => s.action)).toEqual(['Reset', 'ClearCache']);
    jest.advanceTimersByTime(1001);
    expect(calls.actionOf(sent[0]!.id)).toBeUndefined();
    expect(calls.settle(sent[0]!.id, { kind: 'result', payload: {} })).toBeUndefined();
    calls.settle(sent[1]!.id, { kind: 'result', payload: {} });
    await b;
  });

  it('counts a queued call\'s timeout from when it was queued: past its deadline it is answered timeout, unsent (the charger never got it), and never sent', async () => {
    const inFlight = calls.call('Reset', {}, { timeoutMs: 30_000 });
    const queued = calls.call('ClearCache', {}, { timeoutMs: 1000 });
    jest.advanceTimersByTime(1000);
    // The caller hears at its own deadline, not when the call ahead of it ends, and which call held it up.
    expect(await queued).toEqual({ kind: 'timeout', unsent: true, behind: 'Reset' });
    calls.settle(sent[0]!.id, { kind: 'result', payload: { status: 'Accepted' } });
    expect((await inFlight).kind).toBe('result');
    expect(sent.map((s) => s.action)).toEqual(['Reset']);
    expect(calls.depth).toBe(0);
  });

  it('counts from `since` when given (the command arrived earlier): past that deadline it is never sent', async () => {
    const late = calls.call('ClearCache', {}, { timeoutMs: 1000, since: Date.now() - 1500 });
    jest.advanceTimersByTime(0);
    expect(await late).toEqual({ kind: 'timeout', unsent: true });
    const inTime = calls.call('Reset', {}, { timeoutMs: 1000, since: Date.now() - 400 });
    expect(sent.map((s) => s.action)).toEqual(['Reset']);
    jest.advanceTimersByTime(600);
    expect(await inTime).toEqual({ kind: 'timeout' });
  });

  it('a queued call found past its deadline when its turn comes (its timer not run yet: a busy event loop) is answered timeout, unsent', async () => {
    const first = calls.call('Reset', {}, { timeoutMs: 30_000 });
    const second = calls.call('ClearCache', {}, { timeoutMs: 1000 });
    // The clock moves on without the timers running.
    jest.setSystemTime(Date.now() + 2000);
    calls.settle(sent[0]!.id, { kind: 'result', payload: {} });
    await first;
    expect(await second).toEqual({ kind: 'timeout', unsent: true });
    expect(sent.map((s) => s.action)).toEqual(['Reset']);
  });

  it('a call that waited in the queue gets only the rest of its time once sent', async () => {
    const first = calls.call('Reset', {}, { timeoutMs: 30_000 });
    const second = calls.call('ClearCache', {}, { timeoutMs: 3000 });
    jest.advanceTimersByTime(2000);
    calls.settle(sent[0]!.id, { kind: 'result', payload: {} });
    await first;
    expect(sent.map((s) => s.action)).toEqual(['Reset', 'ClearCache']);
    jest.advanceTimersByTime(1000);
    expect(await second).toEqual({ kind: 'timeout' });
    jest.advanceTimersByTime(3001);
    expect(calls.settle(sent[1]!.id, { kind: 'result', payload: {} })).toBeUndefined();
  });

  it('refuses beyond the queue limit, coalesces by key (latest wins), fails everything on close', async () => {
    const inFlight = calls.call('Reset', {}, { timeoutMs: 1000 });
    const old = calls.call('SetChargingProfile', { v: 1 }, { timeoutMs: 1000, coalesceKey: 'p1' });
    const other = calls.call('ClearCache', {}, { timeoutMs: 1000 });
    expect(await calls.call('GetConfiguration', {}, { timeoutMs: 1000 })).toEqual({ kind: 'queue-full' });
    const newer = calls.call('SetChargingProfile', { v: 2 }, { timeoutMs: 1000, coalesceKey: 'p1' });
    expect(await old).toEqual({ kind: 'superseded' });
    calls.close();
    const outcomes: CallOutcome[] = await Promise.all([inFlight, other, newer]);
    expect(outcomes.map((o) => o.kind)).toEqual(['disconnected', 'disconnected', 'disconnected']);
    expect(await calls.call('Reset', {}, { timeoutMs: 1000 })).toEqual({ kind: 'disconnected', unsent: true });
  });

  it('tells a call never written to the socket (queued at the close, asked after it, its write failed) from the one in flight, which the charger may have got', async () => {
    const inFlight = calls.call('Reset', {}, { timeoutMs: 1000 });
    const queued = calls.call('ClearCache', {}, { timeoutMs: 1000 });
    calls.close();
    expect(await inFlight).toEqual({ kind: 'disconnected' });
    expect(await queued).toEqual({ kind: 'disconnected', unsent: true });
    expect(await calls.call('Reset', {}, { timeoutMs: 1000 })).toEqual({ kind: 'disconnected', unsent: true });
    const failing = new OutboundCalls(() => {
      throw new Error('socket not open');
    }, 2);
    expect(await failing.call('Reset', {}, { timeoutMs: 1000 })).toEqual({ kind: 'disconnected', unsent: true });
  });

  it('idle() resolves once the call in flight and the queue behind it are done (answered or timed out), at once when nothing is pending', async () => {
    await calls.idle();
    const a = calls.call('Reset', {}, { timeoutMs: 1000 });
    const b = calls.call('ClearCache', {}, { timeoutMs: 3000 });
    let idle = false;
    void calls.idle().then(() => (idle = true));
    calls.settle(sent[0]!.id, { kind: 'result', payload: { status: 'Accepted' } });
    await a;
    expect(idle).toBe(false);
    jest.advanceTimersByTime(3000);
    expect(await b).toEqual({ kind: 'timeout' });
    await Promise.resolve();
    expect(idle).toBe(true);
  });
});
