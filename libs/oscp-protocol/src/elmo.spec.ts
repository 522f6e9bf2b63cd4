import { buildComplianceError, buildElmoAdjust, buildRegister, energyItem } from './outbound.js';
import { elmoAdjustProblems, elmoRegisterProblems, roundHalfUpKw } from './elmo.js';
import { GroupCapacityForecastMessage, RegisterMessage, UpdateGroupMeasurementsMessage } from './messages.js';
import { taipeiDayHours } from './taipei.js';

const tomorrowBlocks = (date: string, kw: number) =>
  taipeiDayHours(date).map((h) => ({ startTime: new Date(h.startMs).toISOString(), endTime: new Date(h.endMs).toISOString(), powerW: kw * 1000 }));

describe('ELMO rules', () => {
  it('accepts our Register and rejects what ELMO rejects', () => {
    expect(elmoRegisterProblems(buildRegister('T', 'https://csms.example.com/oscp/fp/2.0/'))).toEqual([]);
    const bad = (base_url: string, extra = 0) =>
      elmoRegisterProblems(RegisterMessage.parse({ token: 'T', version_url: Array.from({ length: 1 + extra }, () => ({ version: '2.0', base_url })) }));
    expect(bad('https://csms.example.com:8443/oscp')).toHaveLength(1);
    expect(bad('https://my_host/oscp')).toHaveLength(1);
    expect(bad('http://csms.example.com/oscp')).toHaveLength(1);
    expect(bad('https://csms.example.com/oscp?x=1')).toHaveLength(1);
    expect(bad('https://csms.example.com/oscp', 1)).toContain('version_url must have exactly one entry');
    expect(elmoRegisterProblems(buildRegister('T', 'http://127.0.0.1:3001/oscp/fp/2.0'), { allowHttp: true })).toEqual([]);
  });

  it('builds an adjust for tomorrow with 24 integer-kW hourly blocks that ELMO accepts', () => {
    const now = new Date('2024-10-01T05:59:00Z'); // 13:59 Taipei
    const built = buildElmoAdjust({ groupId: 'G1', date: '2024-10-02', blocks: tomorrowBlocks('2024-10-02', 149.5) }, now);
    if (!built.ok) throw new Error(built.message);
    const msg = built.message;
    expect(msg.forecasted_blocks).toHaveLength(24);
    expect(msg.forecasted_blocks[0]).toEqual({ capacity: 150, phase: 'ALL', unit: 'KW', start_time: '2024-10-02T00:00:00.000+08:00', end_time: '2024-10-02T01:00:00.000+08:00' });
    expect(msg.forecasted_blocks[23].end_time).toBe('2024-10-03T00:00:00.000+08:00');
    expect(elmoAdjustProblems(GroupCapacityForecastMessage.parse(msg))).toEqual([]);
  });

  it('refuses adjusts for another day or at/after the 14:00 cut-off', () => {
    const blocks = tomorrowBlocks('2024-10-02', 100);
    expect(buildElmoAdjust({ groupId: 'G', date: '2024-10-02', blocks }, new Date('2024-10-01T06:00:00Z'))).toMatchObject({ ok: false, reason: 'after_cutoff' });
    expect(buildElmoAdjust({ groupId: 'G', date: '2024-10-02', blocks }, new Date('2024-10-01T16:00:00Z'))).toMatchObject({ ok: false, reason: 'not_tomorrow' });
  });

  it('finds shape problems: count, gaps, wrong lengths, day spill', () => {
    const built = buildElmoAdjust({ groupId: 'G', date: '2024-10-02', blocks: tomorrowBlocks('2024-10-02', 1) }, new Date('2024-10-01T02:00:00Z'));
    if (!built.ok) throw new Error('unexpected');
    const good = GroupCapacityForecastMessage.parse(built.message);
    expect(elmoAdjustProblems({ ...good, forecasted_blocks: good.forecasted_blocks.slice(1) })).toEqual(['forecasted_blocks must have exactly 24 entries, got 23']);
    const gap = structuredClone(good);
    gap.forecasted_blocks[3] = { ...gap.forecasted_blocks[3], start_time: '2024-10-02T03:30:00.000+08:00' };
    expect(elmoAdjustProblems(gap).join()).toMatch(/3 must last one hour.*3\.start_time must equal/);
    const shifted = structuredClone(good);
    shifted.forecasted_blocks = shifted.forecasted_blocks.map((b) => ({ ...b, start_time: new Date(Date.parse(b.start_time) - 1_800_000).toISOString(), end_time: new Date(Date.parse(b.end_time) - 1_800_000).toISOString() }));
    expect(elmoAdjustProblems(shifted)).toContain('forecasted_blocks.0.end_time must be on 2024-10-01');
  });

  it('rounds half up like ELMO', () => {
    expect([0.49, 0.5, 1.5, 2.4999, 100].map(roundHalfUpKw)).toEqual([0, 1, 2, 2, 100]);
  });

  it('builds compliance errors and measurement items that pass the schemas', () => {
    const err = buildComplianceError({ message: 'cannot comply', affected: [{ startTime: '2024-10-01T08:00:00Z', endTime: '2024-10-01T09:00:00Z', forecastPowerW: 50_000, expectedPowerW: 62_500 }] });
    expect(err.forecasted_blocks?.[0]).toMatchObject({ capacity: 62.5, start_time: '2024-10-01T16:00:00.000+08:00' });
    expect(buildComplianceError({ message: 'x', affected: [] })).toEqual({ message: 'x' });
    const item = energyItem(12.34567, Date.parse('2024-10-01T00:01:00Z'));
    expect(item).toEqual({ value: 12.346, phase: 'ALL', unit: 'KWH', direction: 'IMPORT', energy_type: 'TOTAL', measure_time: '2024-10-01T08:01:00.000+08:00' });
    expect(UpdateGroupMeasurementsMessage.safeParse({ group_id: 'G', measurements: [item] }).success).toBe(true);
  });
});
