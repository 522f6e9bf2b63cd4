import { startHarness, waitFor, type Harness } from './harness.js';

/** The Asia/Taipei timeline at its boundaries, with both clocks moved together. */
describe('Asia/Taipei timeline at day boundaries', () => {
  let h: Harness;
  let fpToken: string;
  let partnerId: string;
  const trigger = (groupId: string, extra: Record<string, unknown>) =>
    h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${h.oscp.baseUrl}/oscp/fp/2.0/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      purpose: 'negotiation_assign_capacity',
      group_id: groupId,
      ...extra,
    });

  beforeAll(async () => {
    h = await startHarness({ start: '2024-10-01T15:59:00.000Z' });
    await h.setNow('2024-10-01T15:59:00.000Z'); // 23:59 Taipei
    ({ partnerId, fpToken } = await h.connect('G1', 120));
    await h.op('PUT', `/partners/${partnerId}/groups/G2`, { contractCapacityKw: 80 });
  });
  afterAll(() => h?.close(), 30_000);

  it('at 23:59:59 Taipei "tomorrow" is the next date; at 00:00 it moves on', async () => {
    await h.setNow('2024-10-01T15:59:59.000Z');
    expect((await trigger('G1', { capacity: 90 })).body.callback_status).toBe(204);
    await h.setNow('2024-10-01T16:00:00.000Z');
    expect((await trigger('G1', { capacity: 95 })).body.callback_status).toBe(204);
    await waitFor(() => h.forecasts.length === 2, 'two forecasts');
    const days = (await h.op('GET', '/forecasts?groupId=G1')).body.map((f: { day: string; kind: string }) => [f.day, f.kind]);
    expect(days).toEqual([
      ['2024-10-03', 'day_ahead_assignment'],
      ['2024-10-02', 'day_ahead_assignment'],
    ]);
  });

  it('replaces null hours by the contract capacity and keeps 0 kW and fractional hours', async () => {
    await h.setNow('2024-10-02T02:00:00.000Z'); // 10:00 Taipei on 10-02
    const hourly = Array.from({ length: 24 }, (_, i) => (i === 3 ? null : i === 4 ? 0 : 55.37));
    expect((await trigger('G2', { hourly })).body.callback_status).toBe(204);
    await waitFor(() => h.forecasts.length === 3, 'third forecast');
    const blocks = h.forecasts[2].blocks;
    expect([blocks[2].powerW, blocks[3].powerW, blocks[4].powerW]).toEqual([55_370, 80_000, 0]);
    const metrics = await (await fetch(`${h.oscp.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/oscp_forecast_anomalies_total\{[^}]*reason="null_hours"[^}]*\} 1/);
  });

  it('accepts an adjust at 13:59 and refuses one at 14:00 Taipei', async () => {
    await h.setNow('2024-10-02T06:00:00.000Z'); // 14:00
    const late = await h.op('POST', `/partners/${partnerId}/groups/G2/adjust`, { kw: 100 });
    expect(late.status).toBe(400);
    expect(late.body.message).toMatch(/before 14:00/);
    await h.setNow('2024-10-02T05:59:00.000Z'); // 13:59
    const inTime = await h.op('POST', `/partners/${partnerId}/groups/G2/adjust`, { kw: 100 });
    expect(inTime.status).toBe(202);
    await waitFor(async () => (await h.sim('GET', '/_sim/received')).body.adjusts.length === 1, 'adjust at the testbed');
  });

  it('refuses an adjust for a group that got no assignment for tomorrow', async () => {
    await h.op('PUT', `/partners/${partnerId}/groups/G3`, { contractCapacityKw: 50 });
    const res = await h.op('POST', `/partners/${partnerId}/groups/G3/adjust`, { kw: 100 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/no day-ahead assignment for 2024-10-03/);
  });

  it('alerts at 16:10 when the accepted adjust got no reply, and for the group without assignment', async () => {
    await h.setNow('2024-10-02T08:09:00.000Z'); // 16:09
    await waitFor(async () => (await h.op('GET', '/alerts')).body.some((a: { groupId: string }) => a.groupId === 'G3'), 'assignment alert for G3');
    expect((await h.op('GET', '/alerts')).body.map((a: { kind: string }) => a.kind)).not.toContain('reply_missing');
    await h.setNow('2024-10-02T08:10:00.000Z'); // 16:10
    await waitFor(async () => (await h.op('GET', '/alerts')).body.some((a: { kind: string }) => a.kind === 'reply_missing'), 'reply alert');
    // Only the day this test plays: 10-02 may rightly have an alert too (its 10:05 deadline passed
    // before G1 existed), depending on whether a scheduler tick ran before midnight.
    const alerts = (await h.op('GET', '/alerts')).body
      .filter((a: { day: string }) => a.day === '2024-10-03')
      .map((a: { groupId: string; kind: string; day: string }) => [a.groupId, a.kind, a.day]);
    expect(alerts).toEqual(expect.arrayContaining([['G3', 'assignment_missing', '2024-10-03'], ['G2', 'reply_missing', '2024-10-03']]));
    expect(alerts).toHaveLength(2);
  });
});
