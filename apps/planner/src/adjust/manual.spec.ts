import { CapacityAdjustRequestedV1 } from '@cpo/contracts';
import { taipeiDayStartMs } from '../timeline/index.js';
import { adjustBlocks, beforeCutoff, manualBlockErrors, manualDecision, taipeiIso } from './manual.js';

const flat = (kw: number) => Array.from({ length: 24 }, () => kw);

describe('operator-forced extra-capacity request', () => {
  it('accepts 24 whole kW within the contract', () => {
    expect(manualBlockErrors(flat(60), 100_000)).toEqual({});
    expect(manualBlockErrors([...flat(0).slice(1), 100], 100_000)).toEqual({});
  });

  it('names every bad hour: fractions, negatives, above the contract, and a wrong count', () => {
    const values: unknown[] = flat(60);
    values[2] = 60.5;
    values[3] = -1;
    values[4] = 101;
    values[5] = '60';
    expect(manualBlockErrors(values, 100_000)).toEqual({
      'blocksKw[2]': 'must be a whole number of kW',
      'blocksKw[3]': 'must be ≥ 0 kW',
      'blocksKw[4]': 'must not exceed the contract capacity of 100 kW',
      'blocksKw[5]': 'must be a whole number of kW',
    });
    expect(Object.keys(manualBlockErrors(flat(60).slice(1), 100_000))).toEqual(['blocksKw']);
  });

  it('builds 24 one-hour blocks of the Taipei day in +08:00, which the bus contract accepts', () => {
    const kw = flat(60);
    kw[18] = 75;
    const blocks = adjustBlocks('2026-12-05', kw);
    expect(blocks[0]).toEqual({ startTime: '2026-12-05T00:00:00+08:00', endTime: '2026-12-05T01:00:00+08:00', powerW: 60_000 });
    expect(blocks[23]).toEqual({ startTime: '2026-12-05T23:00:00+08:00', endTime: '2026-12-06T00:00:00+08:00', powerW: 60_000 });
    expect(blocks[18].powerW).toBe(75_000);
    const parsed = CapacityAdjustRequestedV1.safeParse({ groupId: 'G', date: '2026-12-05', requestedBy: 'operator', reason: 'event', blocks });
    expect(parsed.success).toBe(true);
    expect(taipeiIso(taipeiDayStartMs('2026-12-05'))).toBe('2026-12-05T00:00:00+08:00');
  });

  it('records the decision in the daily job shape, hour by hour against the assignment', () => {
    const d = manualDecision([...flat(50).slice(1), 80], flat(50_000), 'fleet arrives at 23:00');
    expect(d.request).toBe(true);
    expect(d.requestedKw).toHaveLength(24);
    expect(d.hours[0]).toEqual({ hour: 0, assignedKw: 50, requestedKw: 50, short: false });
    expect(d.hours[23]).toEqual({ hour: 23, assignedKw: 50, requestedKw: 80, short: true });
  });

  it('may be forced any time today before the cut-off, never at or after it (Asia/Taipei)', () => {
    const today = taipeiDayStartMs('2026-12-04');
    const at = (h: number, m: number) => today + (h * 60 + m) * 60_000;
    expect(beforeCutoff(at(0, 0), '13:50')).toBe(true);
    expect(beforeCutoff(at(9, 0), '13:50')).toBe(true);
    expect(beforeCutoff(at(13, 49) + 59_999, '13:50')).toBe(true);
    expect(beforeCutoff(at(13, 50), '13:50')).toBe(false);
    expect(beforeCutoff(at(23, 59), '13:50')).toBe(false);
  });
});
