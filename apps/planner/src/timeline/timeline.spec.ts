import fc from 'fast-check';
import { applyForecast, emptyCapacityState, setOperatorCap, type CapacityState } from './capacity-state.js';
import { HOUR_MS, taipeiDayStartMs } from './taipei.js';
import { dayAhead, flat, single } from './test/forecasts.js';
import { buildTimeline, limitAt } from './timeline.js';
import type { GroupCapacityConfig } from './types.js';

const D = '2025-06-18';
const day = taipeiDayStartMs(D);
const elmo: GroupCapacityConfig = { contractW: 100_000, fallbackApplies: false };
const window = { fromMs: day - 2 * HOUR_MS, toMs: day + 26 * HOUR_MS };
const t = (s: string): number => Date.parse(s);

describe('effective-limit timeline', () => {
  it('is the contract capacity when nothing was received', () => {
    const tl = buildTimeline(elmo, emptyCapacityState(), window);
    expect(tl.segments).toEqual([{ startMs: window.fromMs, endMs: window.toMs, powerW: 100_000, source: { kind: 'contract' } }]);
  });

  it('applies a day plan hour by hour on the Taipei day only', () => {
    const kw = flat(80);
    kw[13] = 60;
    const s = applyForecast(emptyCapacityState(), dayAhead(D, kw, { requestId: 'a1', receivedAt: '2025-06-17T10:00:00+08:00' }));
    const tl = buildTimeline(elmo, s, window);
    expect(tl.at(day - 1)?.source.kind).toBe('contract');
    expect(tl.at(day)).toMatchObject({ powerW: 80_000, source: { kind: 'day_ahead_assignment', requestId: 'a1' } });
    expect(tl.at(t('2025-06-18T13:59:59+08:00'))?.powerW).toBe(60_000);
    expect(tl.at(t('2025-06-19T00:00:00+08:00'))?.source.kind).toBe('contract');
    // Equal neighbouring hours merge: before, 00–13, 13–14, 14–24, after.
    expect(tl.segments).toHaveLength(5);
  });

  it('caps a day plan above the contract at the contract, with the plan as source on a tie', () => {
    const s = applyForecast(emptyCapacityState(), dayAhead(D, flat(150), { requestId: 'a1', receivedAt: '2025-06-17T10:00:00+08:00' }));
    expect(limitAt(elmo, s, day + HOUR_MS)).toEqual({ powerW: 100_000, source: { kind: 'contract' } });
    const tie = applyForecast(emptyCapacityState(), dayAhead(D, flat(100), { requestId: 'a2', receivedAt: '2025-06-17T10:00:00+08:00' }));
    expect(limitAt(elmo, tie, day).source.requestId).toBe('a2');
  });

  it('treats a missing (null) hour of a day plan as the contract capacity and zero as a real limit', () => {
    const kw: (number | null)[] = flat(0);
    kw[5] = null;
    const s = applyForecast(emptyCapacityState(), dayAhead(D, kw, { requestId: 'a1', receivedAt: '2025-06-17T10:00:00+08:00' }));
    expect(limitAt(elmo, s, day + 5 * HOUR_MS)).toEqual({ powerW: 100_000, source: { kind: 'day_ahead_assignment', requestId: 'a1' } });
    expect(limitAt(elmo, s, day + 4 * HOUR_MS).powerW).toBe(0);
  });

  it('overlays emergencies by minimum and lets them expire at their end', () => {
    let s = applyForecast(emptyCapacityState(), dayAhead(D, flat(80), { requestId: 'a1', receivedAt: '2025-06-17T10:00:00+08:00' }));
    s = applyForecast(s, single('emergency', '2025-06-18T16:15:00+08:00', '2025-06-19T00:00:00+08:00', 50, 'e1'));
    s = applyForecast(s, single('emergency', '2025-06-18T10:00:00Z', '2025-06-18T11:00:00Z', 30, 'e2'));
    const tl = buildTimeline(elmo, s, window);
    expect(tl.at(t('2025-06-18T16:14:59.999+08:00'))?.powerW).toBe(80_000);
    expect(tl.at(t('2025-06-18T16:15:00+08:00'))).toMatchObject({ powerW: 50_000, source: { kind: 'emergency', requestId: 'e1' } });
    expect(tl.at(t('2025-06-18T18:30:00+08:00'))).toMatchObject({ powerW: 30_000, source: { requestId: 'e2' } });
    expect(tl.at(t('2025-06-18T19:00:00+08:00'))?.source.requestId).toBe('e1');
    // A later reply replaces the day plan under the emergency but never lifts the emergency.
    s = applyForecast(s, dayAhead(D, flat(40), { requestId: 'r1', receivedAt: '2025-06-17T16:00:00+08:00', kind: 'day_ahead_reply' }));
    expect(limitAt(elmo, s, t('2025-06-18T17:00:00+08:00'))).toEqual({ powerW: 40_000, source: { kind: 'day_ahead_reply', requestId: 'r1' } });
    expect(limitAt(elmo, s, t('2025-06-18T18:30:00+08:00')).powerW).toBe(30_000);
  });

  it('handles a Z-offset emergency that ends after Taipei midnight as a plain interval', () => {
    const s = applyForecast(emptyCapacityState(), single('emergency', '2025-06-18T15:00:00Z', '2025-06-18T20:00:00Z', 10, 'e1'));
    expect(limitAt(elmo, s, t('2025-06-19T02:00:00+08:00')).powerW).toBe(10_000);
    expect(limitAt(elmo, s, t('2025-06-19T04:00:00+08:00')).powerW).toBe(100_000);
  });

  it('applies fallback only for generic partners and only while offline', () => {
    const s = applyForecast(emptyCapacityState(), single('fallback', '2025-06-18T00:00:00Z', '2025-06-18T06:00:00Z', 20, 'f1'));
    const offline = [{ startMs: t('2025-06-18T02:00:00Z'), endMs: t('2025-06-18T08:00:00Z') }];
    const generic: GroupCapacityConfig = { contractW: 100_000, fallbackApplies: true, fallbackW: 60_000 };
    expect(limitAt(generic, s, t('2025-06-18T01:00:00Z'), offline).powerW).toBe(100_000);
    expect(limitAt(generic, s, t('2025-06-18T03:00:00Z'), offline)).toEqual({ powerW: 20_000, source: { kind: 'fallback', requestId: 'f1' } });
    expect(limitAt(generic, s, t('2025-06-18T07:00:00Z'), offline)).toEqual({ powerW: 60_000, source: { kind: 'fallback' } });
    expect(limitAt(generic, s, t('2025-06-18T09:00:00Z'), offline).powerW).toBe(100_000);
    expect(limitAt(elmo, s, t('2025-06-18T03:00:00Z'), offline).powerW).toBe(100_000);
    const open = [{ startMs: t('2025-06-18T02:00:00Z') }];
    expect(limitAt(generic, s, t('2025-06-30T00:00:00Z'), open).powerW).toBe(60_000);
  });

  it('lets operator caps and the physical cap only lower the limit', () => {
    let s = setOperatorCap(emptyCapacityState(), { id: 'op-1', startMs: day, endMs: day + HOUR_MS, powerW: 70_000 });
    s = setOperatorCap(s, { id: 'op-high', startMs: day, powerW: 500_000 });
    const cfg = { ...elmo, physicalCapW: 90_000 };
    expect(limitAt(cfg, s, day)).toEqual({ powerW: 70_000, source: { kind: 'operator_cap', requestId: 'op-1' } });
    expect(limitAt(cfg, s, day + HOUR_MS)).toEqual({ powerW: 90_000, source: { kind: 'physical_cap' } });
  });

  it('lets newer generic intervals win where they have blocks', () => {
    let s = applyForecast(emptyCapacityState(), single('generic', '2025-06-18T00:00:00Z', '2025-06-18T04:00:00Z', 40, 'g1'));
    s = applyForecast(s, single('generic', '2025-06-18T01:00:00Z', '2025-06-18T02:00:00Z', 90, 'g2', '2025-06-18T00:30:00Z'));
    expect(limitAt(elmo, s, t('2025-06-18T01:30:00Z'))).toEqual({ powerW: 90_000, source: { kind: 'generic', requestId: 'g2' } });
    expect(limitAt(elmo, s, t('2025-06-18T03:00:00Z')).source.requestId).toBe('g1');
  });

  it('lists the coming power steps within a horizon', () => {
    const kw = flat(80);
    kw[17] = 60;
    let s = applyForecast(emptyCapacityState(), dayAhead(D, kw, { requestId: 'a1', receivedAt: '2025-06-17T10:00:00+08:00' }));
    s = applyForecast(s, single('emergency', '2025-06-18T16:15:00+08:00', '2025-06-18T17:00:00+08:00', 60, 'e1'));
    const tl = buildTimeline(elmo, s, window);
    const now = t('2025-06-18T16:00:00+08:00');
    // 17:00 changes the source (emergency → plan) but not the power: no step.
    expect(tl.nextChanges(now, 3 * HOUR_MS)).toEqual([
      { atMs: t('2025-06-18T16:15:00+08:00'), powerW: 60_000, previousW: 80_000, source: { kind: 'emergency', requestId: 'e1' } },
      { atMs: t('2025-06-18T18:00:00+08:00'), powerW: 80_000, previousW: 60_000, source: { kind: 'day_ahead_assignment', requestId: 'a1' } },
    ]);
    expect(tl.nextChanges(now, 10 * 60_000)).toEqual([]);
    expect(tl.minimumW(now, now + HOUR_MS)).toBe(60_000);
  });

  it('rejects an empty window', () => {
    expect(() => buildTimeline(elmo, emptyCapacityState(), { fromMs: 5, toMs: 5 })).toThrow(RangeError);
  });
});

describe('timeline properties', () => {
  const block = fc
    .record({ start: fc.integer({ min: 0, max: 47 }), len: fc.integer({ min: 1, max: 12 }), kw: fc.integer({ min: 0, max: 150 }) })
    .map((b) => ({ startMs: day + b.start * 15 * 60_000, endMs: day + (b.start + b.len) * 15 * 60_000, kw: b.kw }));
  const iso = (ms: number): string => new Date(ms).toISOString();
  const arbState = fc
    .record({
      emergencies: fc.array(block, { maxLength: 4 }),
      caps: fc.array(block, { maxLength: 2 }),
      plan: fc.option(fc.array(fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }), { minLength: 24, maxLength: 24 }), { nil: undefined }),
    })
    .map(({ emergencies, caps, plan }): CapacityState => {
      let s = emptyCapacityState();
      if (plan !== undefined) s = applyForecast(s, dayAhead(D, plan, { requestId: 'a', receivedAt: '2025-06-17T10:00:00+08:00' }));
      emergencies.forEach((e, i) => (s = applyForecast(s, single('emergency', iso(e.startMs), iso(e.endMs), e.kw, `e${i}`))));
      caps.forEach((c, i) => (s = setOperatorCap(s, { id: `c${i}`, startMs: c.startMs, endMs: c.endMs, powerW: c.kw * 1000 })));
      return s;
    });

  it('is contiguous, never above the contract, and agrees with limitAt everywhere', () => {
    fc.assert(
      fc.property(arbState, fc.array(fc.integer({ min: window.fromMs, max: window.toMs - 1 }), { minLength: 5, maxLength: 20 }), (s, probes) => {
        const tl = buildTimeline(elmo, s, window);
        // Plain checks instead of expect(): this runs thousands of times and expect is slow.
        if (tl.fromMs !== window.fromMs || tl.toMs !== window.toMs) return false;
        for (let i = 0; i < tl.segments.length; i++) {
          const seg = tl.segments[i];
          if (!(seg.endMs > seg.startMs) || seg.powerW > elmo.contractW) return false;
          if (i > 0 && seg.startMs !== tl.segments[i - 1].endMs) return false;
        }
        for (const p of probes) {
          const direct = limitAt(elmo, s, p);
          const seg = tl.at(p);
          if (seg === undefined || seg.powerW !== direct.powerW || seg.source.kind !== direct.source.kind || seg.source.requestId !== direct.source.requestId) return false;
          if (s.emergencies.some((e) => e.startMs <= p && p < e.endMs && direct.powerW > e.powerW)) return false;
          if (s.operatorCaps.some((c) => c.startMs <= p && (c.endMs === undefined || p < c.endMs) && direct.powerW > c.powerW)) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
