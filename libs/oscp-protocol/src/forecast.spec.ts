import type { CapacityForecastBlock } from '@cpo/contracts';
import { classifyForecast, fullTaipeiDay, normaliseBlocks } from './forecast.js';
import type { ForecastedBlock } from './messages.js';
import { formatTaipei, taipeiDayHours } from './taipei.js';

const day = (date: string, kw: (h: number) => number | null = () => 100): ForecastedBlock[] =>
  taipeiDayHours(date).map((h, i) => ({ capacity: kw(i), phase: 'ALL', unit: 'KW', start_time: formatTaipei(h.startMs), end_time: formatTaipei(h.endMs) }));

const normalised = (blocks: ForecastedBlock[], contractCapacityW?: number): CapacityForecastBlock[] => {
  const r = normaliseBlocks(blocks, { contractCapacityW });
  if (!r.ok) throw new Error(r.message);
  return r.blocks;
};

describe('normaliseBlocks', () => {
  it('converts every unit to W for the group', () => {
    const base = { phase: 'ALL' as const, start_time: '2024-10-01T00:00:00Z', end_time: '2024-10-01T00:30:00Z' };
    const r = normaliseBlocks([
      { ...base, capacity: 1.15, unit: 'KW' },
      { ...base, capacity: 500, unit: 'W' },
      { ...base, capacity: 16, unit: 'A' },
      { ...base, capacity: 16, unit: 'A', phase: 'ONE' },
      { ...base, capacity: 1000, unit: 'WH' },
      { ...base, capacity: 2, unit: 'KWH' },
    ]);
    expect(r.ok && r.blocks.map((b) => b.powerW)).toEqual([1150, 500, 16 * 230 * 3, 16 * 230, 2000, 4000]);
  });

  it('substitutes the contract capacity for null hours, and refuses nulls without one', () => {
    const blocks = day('2024-10-02', (h) => (h === 5 ? null : 80.25));
    const r = normaliseBlocks(blocks, { contractCapacityW: 120_000 });
    expect(r.ok && r.substitutedNulls).toBe(1);
    expect(r.ok && [r.blocks[4].powerW, r.blocks[5].powerW]).toEqual([80_250, 120_000]);
    expect(normaliseBlocks(blocks)).toEqual({ ok: false, message: expect.stringContaining('forecasted_blocks.5.capacity') });
  });
});

describe('classifyForecast', () => {
  const beforeTen = new Date('2024-10-01T01:59:00Z'); // 09:59 Taipei on 2024-10-01

  it('recognises a full day for tomorrow as the assignment, and as the reply after an accepted adjust', () => {
    const blocks = normalised(day('2024-10-02'));
    expect(fullTaipeiDay(blocks)).toBe('2024-10-02');
    expect(classifyForecast('CONSUMPTION', blocks, { now: beforeTen, profile: 'elmo' })).toMatchObject({ kind: 'day_ahead_assignment', day: '2024-10-02', late: false });
    const reply = classifyForecast('CONSUMPTION', blocks, { now: new Date('2024-10-01T08:00:00Z'), profile: 'elmo', adjustAcceptedAt: new Date('2024-10-01T03:00:00Z') });
    expect(reply.kind).toBe('day_ahead_reply');
  });

  it('uses the Taipei date at day boundaries: 23:59 vs 00:00 Taipei decide what tomorrow is', () => {
    const blocks = normalised(day('2024-10-02'));
    expect(classifyForecast('CONSUMPTION', blocks, { now: new Date('2024-09-30T15:59:00Z'), profile: 'elmo' }).kind).toBe('emergency'); // day after tomorrow
    expect(classifyForecast('CONSUMPTION', blocks, { now: new Date('2024-09-30T16:00:00Z'), profile: 'elmo' }).kind).toBe('day_ahead_assignment');
    const late = classifyForecast('CONSUMPTION', blocks, { now: new Date('2024-10-01T16:30:00Z'), profile: 'elmo' });
    expect(late).toMatchObject({ kind: 'day_ahead_assignment', late: true });
  });

  it('classifies a single future block as an emergency, also with Z offsets past Taipei midnight', () => {
    const emergency = normalised([{ capacity: 50, phase: 'ALL', unit: 'KW', start_time: '2024-10-01T08:15:00Z', end_time: '2024-10-01T23:00:00Z' }]);
    expect(classifyForecast('CONSUMPTION', emergency, { now: new Date('2024-10-01T08:00:00Z'), profile: 'elmo' })).toMatchObject({ kind: 'emergency', late: false });
    expect(classifyForecast('CONSUMPTION', emergency, { now: new Date('2024-10-01T08:00:00Z'), profile: 'generic' }).kind).toBe('generic');
  });

  it('drops expired blocks and folds fallback types', () => {
    const mixed = normalised([
      { capacity: 10, phase: 'ALL', unit: 'KW', start_time: '2024-10-01T00:00:00Z', end_time: '2024-10-01T01:00:00Z' },
      { capacity: 20, phase: 'ALL', unit: 'KW', start_time: '2024-10-01T01:00:00Z', end_time: '2024-10-01T03:00:00Z' },
    ]);
    const r = classifyForecast('CONSUMPTION', mixed, { now: new Date('2024-10-01T02:00:00Z'), profile: 'elmo' });
    expect(r.kind).toBe('generic');
    expect(r.blocks.map((b) => b.powerW)).toEqual([20_000]);
    expect(classifyForecast('FALLBACK_CONSUMPTION', mixed, { now: new Date(), profile: 'generic' }).kind).toBe('fallback');
  });
});
