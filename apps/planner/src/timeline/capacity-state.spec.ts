import { applyForecast, emptyCapacityState, pruneCapacityState, removeOperatorCap, setOperatorCap } from './capacity-state.js';
import { dayAhead, flat, single } from './test/forecasts.js';

const D = '2025-06-18';
const before = '2025-06-17T10:00:00+08:00';

describe('applyForecast', () => {
  it('stores a day-ahead assignment under its Taipei day', () => {
    const s = applyForecast(emptyCapacityState(), dayAhead(D, flat(80), { requestId: 'a1', receivedAt: before }));
    const plan = s.dayPlans.get(D);
    expect(plan?.blocks).toHaveLength(24);
    expect(plan?.source).toEqual({ kind: 'day_ahead_assignment', requestId: 'a1' });
    expect(plan?.startMs).toBe(Date.parse('2025-06-17T16:00:00Z'));
  });

  it('lets the reply replace the assignment wholesale, and not the other way round', () => {
    let s = applyForecast(emptyCapacityState(), dayAhead(D, flat(80), { requestId: 'a1', receivedAt: before }));
    s = applyForecast(s, dayAhead(D, flat(120), { requestId: 'r1', receivedAt: '2025-06-17T16:00:00+08:00', kind: 'day_ahead_reply' }));
    expect(s.dayPlans.get(D)?.source).toEqual({ kind: 'day_ahead_reply', requestId: 'r1' });
    // A redelivered (older) assignment must not bring the old values back.
    const again = applyForecast(s, dayAhead(D, flat(80), { requestId: 'a0', receivedAt: '2025-06-17T09:59:00+08:00' }));
    expect(again.dayPlans.get(D)?.source.requestId).toBe('r1');
  });

  it('prefers the reply when both arrive at the same instant', () => {
    let s = applyForecast(emptyCapacityState(), dayAhead(D, flat(120), { requestId: 'r1', receivedAt: before, kind: 'day_ahead_reply' }));
    s = applyForecast(s, dayAhead(D, flat(80), { requestId: 'a1', receivedAt: before }));
    expect(s.dayPlans.get(D)?.source.requestId).toBe('r1');
  });

  it('marks a plan received on its own day as late', () => {
    const s = applyForecast(emptyCapacityState(), dayAhead(D, flat(50), { requestId: 'l1', receivedAt: '2025-06-18T09:00:00+08:00' }));
    expect(s.dayPlans.get(D)?.source.kind).toBe('day_ahead_late');
  });

  it('is idempotent per requestId (JetStream redelivery)', () => {
    const e = single('emergency', '2025-06-18T16:15:00+08:00', '2025-06-19T00:00:00+08:00', 50, 'e1');
    const once = applyForecast(emptyCapacityState(), e);
    expect(applyForecast(once, e)).toBe(once);
  });

  it('accumulates emergencies as overlays and keeps the last fallback', () => {
    let s = applyForecast(emptyCapacityState(), single('emergency', '2025-06-18T08:15:00Z', '2025-06-18T16:00:00Z', 50, 'e1'));
    s = applyForecast(s, single('emergency', '2025-06-18T09:00:00Z', '2025-06-18T10:00:00Z', 40, 'e2'));
    s = applyForecast(s, single('fallback', '2025-06-18T00:00:00Z', '2025-06-19T00:00:00Z', 30, 'f1'));
    s = applyForecast(s, single('fallback', '2025-06-18T00:00:00Z', '2025-06-19T00:00:00Z', 20, 'f2'));
    expect(s.emergencies.map((e) => e.requestId)).toEqual(['e1', 'e2']);
    expect(s.fallback?.requestId).toBe('f2');
  });

  it('ignores generation and optimum forecasts', () => {
    const gen = { ...single('generic', '2025-06-18T00:00:00Z', '2025-06-18T01:00:00Z', 10, 'g'), forecastType: 'GENERATION' as const };
    expect(applyForecast(emptyCapacityState(), gen)).toEqual(emptyCapacityState());
  });
});

describe('operator caps and pruning', () => {
  it('replaces a cap by id and removes it', () => {
    let s = setOperatorCap(emptyCapacityState(), { id: 'c', startMs: 0, powerW: 10 });
    s = setOperatorCap(s, { id: 'c', startMs: 0, powerW: 5 });
    expect(s.operatorCaps).toEqual([{ id: 'c', startMs: 0, powerW: 5 }]);
    expect(removeOperatorCap(s, 'c').operatorCaps).toEqual([]);
  });

  it('drops what has ended and keeps the fallback', () => {
    let s = applyForecast(emptyCapacityState(), dayAhead(D, flat(80), { requestId: 'a1', receivedAt: before }));
    s = applyForecast(s, single('emergency', '2025-06-18T08:15:00Z', '2025-06-18T09:00:00Z', 50, 'e1'));
    s = applyForecast(s, single('fallback', '2025-06-18T00:00:00Z', '2025-06-18T01:00:00Z', 30, 'f1'));
    s = setOperatorCap(s, { id: 'open', startMs: 0, powerW: 5 });
    const pruned = pruneCapacityState(s, Date.parse('2025-06-19T00:00:00+08:00'));
    expect(pruned.dayPlans.size).toBe(0);
    expect(pruned.emergencies).toHaveLength(0);
    expect(pruned.fallback?.requestId).toBe('f1');
    expect(pruned.operatorCaps).toHaveLength(1);
  });
});
