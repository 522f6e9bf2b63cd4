import { jest } from '@jest/globals';
import { LATE_CALLS_KEPT, OutboundCalls, type CallOutcome, type LateAnswer } from './outbound-calls.js';

const ACCEPTED: CallOutcome = { kind: 'result', payload: { status: 'Accepted' } };

describe('OutboundCalls: an answer arriving after its call timed out', () => {
  let sent: { id: string; action: string }[];
  let observed: LateAnswer[];
  let calls: OutboundCalls;
  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    observed = [];
    calls = new OutboundCalls((id, action) => sent.push({ id, action }), 10, (late) => observed.push(late));
  });
  afterEach(() => {
    calls.close();
    jest.useRealTimers();
  });

  it('goes to the call\'s late hook within one timeout after it, never to its caller again; the call in flight behind it is not touched', async () => {
    const late: CallOutcome[] = [];
    const a = calls.call('SetChargingProfile', { v: 1 }, { timeoutMs: 1000, onLateAnswer: (o) => (late.push(o), true) });
    const b = calls.call('ClearCache', {}, { timeoutMs: 5000 });
    jest.advanceTimersByTime(1000);
    expect(await a).toEqual({ kind: 'timeout' });
    jest.advanceTimersByTime(400);
    // Validated like any answer: the session asks the action first.
    expect(calls.actionOf(sent[0]!.id)).toBe('SetChargingProfile');
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBe('SetChargingProfile');
    expect(late).toEqual([ACCEPTED]);
    expect(observed).toEqual([{ uniqueId: sent[0]!.id, action: 'SetChargingProfile', lateByMs: 400, outcome: ACCEPTED, applied: true }]);
    // Taken once: a repeat matches nothing.
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBeUndefined();
    expect(calls.depth).toBe(1);
    expect(calls.settle(sent[1]!.id, { kind: 'result', payload: {} })).toBe('ClearCache');
    expect((await b).kind).toBe('result');
  });

  it('is still matched (and observed, not applied) for a call without a late hook', async () => {
    const a = calls.call('Reset', {}, { timeoutMs: 1000 });
    jest.advanceTimersByTime(1000);
    await a;
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBe('Reset');
    expect(observed.map((o) => [o.action, o.applied])).toEqual([['Reset', false]]);
  });

  it('is dropped past the window (the call\'s own timeout again)', async () => {
    const hook = jest.fn(() => true);
    const a = calls.call('SetChargingProfile', {}, { timeoutMs: 1000, onLateAnswer: hook });
    jest.advanceTimersByTime(1000);
    await a;
    jest.advanceTimersByTime(1001);
    expect(calls.actionOf(sent[0]!.id)).toBeUndefined();
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBeUndefined();
    expect(hook).not.toHaveBeenCalled();
    expect(observed).toEqual([]);
  });

  it('of a charger slower than the timeout answering a queue in order: each call waits behind the one before, and its window counts from when that one was answered', async () => {
    const hook = jest.fn(() => true);
    const a = calls.call('SetChargingProfile', { v: 1 }, { timeoutMs: 1000, onLateAnswer: hook });
    const b = calls.call('SetChargingProfile', { v: 2 }, { timeoutMs: 1000, since: Date.now() + 1000, onLateAnswer: hook });
    jest.advanceTimersByTime(1000);
    await a;
    // b went out at 1.0 s (timeout at 2.0 s), but the charger takes it up only once it answered a, at 1.8 s.
    jest.advanceTimersByTime(800);
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBe('SetChargingProfile');
    jest.advanceTimersByTime(200);
    await b;
    // Answered 1.8 s after the charger began it (3.6 s): past its own timeout + one more (3.0 s), within the same from 1.8 s.
    jest.advanceTimersByTime(1600);
    expect(calls.settle(sent[1]!.id, ACCEPTED)).toBe('SetChargingProfile');
    expect(hook).toHaveBeenCalledTimes(2);
    expect(observed.map((o) => o.uniqueId)).toEqual([sent[0]!.id, sent[1]!.id]);
  });

  it('of a call behind one never answered keeps its own window only', async () => {
    const a = calls.call('SetChargingProfile', {}, { timeoutMs: 1000 });
    const b = calls.call('SetChargingProfile', {}, { timeoutMs: 1000, since: Date.now() + 1000 });
    jest.advanceTimersByTime(2000);
    await a;
    await b;
    jest.advanceTimersByTime(1001);
    expect(calls.actionOf(sent[1]!.id)).toBeUndefined();
  });

  it('is dropped once a later call was answered (out of order: it could undo that one\'s effects)', async () => {
    const hook = jest.fn(() => true);
    const a = calls.call('SetChargingProfile', { v: 1 }, { timeoutMs: 1000, onLateAnswer: hook });
    const b = calls.call('SetChargingProfile', { v: 2 }, { timeoutMs: 5000 });
    jest.advanceTimersByTime(1000);
    await a;
    calls.settle(sent[1]!.id, ACCEPTED);
    await b;
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBeUndefined();
    expect(hook).not.toHaveBeenCalled();
  });

  it('of a later timed-out call ends the window of the earlier ones', async () => {
    const first = jest.fn(() => true);
    const second = jest.fn(() => true);
    const a = calls.call('ChangeConfiguration', { v: 1 }, { timeoutMs: 1000, onLateAnswer: first });
    const b = calls.call('ChangeConfiguration', { v: 2 }, { timeoutMs: 1500, onLateAnswer: second });
    jest.advanceTimersByTime(1000);
    await a;
    jest.advanceTimersByTime(1000);
    await b;
    expect(calls.settle(sent[1]!.id, ACCEPTED)).toBe('ChangeConfiguration');
    expect(calls.settle(sent[0]!.id, ACCEPTED)).toBeUndefined();
    expect(second).toHaveBeenCalledTimes(1);
    expect(first).not.toHaveBeenCalled();
  });

  it(`keeps at most ${LATE_CALLS_KEPT} per station (the oldest go first) and none after the socket closed`, async () => {
    const outcomes: Promise<CallOutcome>[] = [];
    for (let i = 0; i <= LATE_CALLS_KEPT; i++) outcomes.push(calls.call('Reset', { i }, { timeoutMs: 60_000, since: Date.now() - 59_000 + i * 1000 }));
    jest.advanceTimersByTime(1000 * (LATE_CALLS_KEPT + 1));
    await Promise.all(outcomes);
    expect(sent).toHaveLength(LATE_CALLS_KEPT + 1);
    expect(calls.actionOf(sent[0]!.id)).toBeUndefined();
    expect(calls.actionOf(sent[1]!.id)).toBe('Reset');
    calls.close();
    expect(calls.actionOf(sent[LATE_CALLS_KEPT]!.id)).toBeUndefined();
  });

  it('a late CallError goes to the hook too (the hook decides what it applies)', async () => {
    const late: CallOutcome[] = [];
    const a = calls.call('Reset', {}, { timeoutMs: 1000, onLateAnswer: (o) => (late.push(o), false) });
    jest.advanceTimersByTime(1000);
    await a;
    const refused: CallOutcome = { kind: 'error', code: 'NotSupported', description: '', details: {} };
    calls.settle(sent[0]!.id, refused);
    expect(late).toEqual([refused]);
    expect(observed[0]!.applied).toBe(false);
  });
});
