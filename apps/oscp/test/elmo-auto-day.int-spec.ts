import { startHarness, waitFor, type Harness } from './harness.js';

/** A whole Taipei day driven by the testbed's own cron (automatic mode), clocks moved together. */
describe('a day with ELMO in automatic mode', () => {
  let h: Harness;
  let partnerId: string;
  const negotiation = async () => (await h.sim('GET', '/_sim/state')).body.negotiations.find((n: { day: string }) => n.day === '2024-10-03');

  beforeAll(async () => {
    h = await startHarness({
      start: '2024-10-01T15:58:00.000Z',
      testbedEnv: { ELMO_TESTBED_AUTO: 'true', ELMO_TESTBED_AUTO_ASSIGN_KW: '120', ELMO_TESTBED_AUTO_TICK_MS: '100', ELMO_TESTBED_GROUP_IDS: 'G' },
    });
    await h.setNow('2024-10-01T15:58:00.000Z'); // 23:58 Taipei
    ({ partnerId } = await h.connect('G', 200));
  });
  afterAll(() => h?.close(), 30_000);

  it('opens tomorrow at 00:00 for a connected FP and assigns at 10:00', async () => {
    await h.setNow('2024-10-01T16:01:00.000Z'); // 00:01 on 10-02
    await waitFor(async () => (await negotiation())?.state === 'INITIAL_EDIT', 'negotiation for 10-03');
    await h.setNow('2024-10-02T02:00:00.000Z'); // 10:00
    await waitFor(() => h.forecasts.length === 1, 'automatic assignment');
    expect(h.forecasts[0]).toMatchObject({ kind: 'day_ahead_assignment', blocks: expect.arrayContaining([expect.objectContaining({ startTime: '2024-10-03T00:00:00.000+08:00', powerW: 120_000 })]) });
    await waitFor(async () => (await negotiation())?.state === 'NEGOTIATING', 'NEGOTIATING');
  });

  it('replies automatically at 16:00 with what we asked for, and no alert is raised', async () => {
    await h.setNow('2024-10-02T02:30:00.000Z');
    expect((await h.op('POST', `/partners/${partnerId}/groups/G/adjust`, { kw: 150 })).status).toBe(202);
    await waitFor(async () => (await negotiation())?.state === 'EXTRA_REQUEST', 'EXTRA_REQUEST');
    // ELMO records the request before it answers; our side records the acceptance (at the simulated
    // 10:30) only once the answer is in. Moving the clock before that would make the 16:00 reply
    // look as if it came before the acceptance, i.e. an assignment (in real time hours lie between).
    await waitFor(async () => (await h.op('GET', '/outbound?action=adjust_group_capacity_forecast')).body[0]?.status === 'sent', 'adjust recorded as accepted');
    await h.setNow('2024-10-02T08:00:00.000Z'); // 16:00
    await waitFor(() => h.forecasts.length === 2, 'automatic reply');
    expect(h.forecasts[1].kind).toBe('day_ahead_reply');
    expect(h.forecasts[1].blocks.every((b) => b.powerW === 150_000)).toBe(true);
    expect((await negotiation()).state).toBe('EXTRA_REPLY_AUTO');
    // 16:10: both deadlines passed, nothing missing. The minute runs are sequential, so once 16:11
    // has its measurement, the 16:10 run (with its alert check) has finished.
    for (const iso of ['2024-10-02T08:10:00.000Z', '2024-10-02T08:11:00.000Z']) {
      await h.setNow(iso);
      await waitFor(async () => (await h.op('GET', `/partners/${partnerId}/groups`)).body[0].lastMeasurementMinute === iso, `minute ${iso}`);
    }
    // The day the run started in (10-02) may rightly have an alert: its 10:05 deadline passed before
    // the partner connected at 23:58. The day this test plays (10-03) must have none.
    expect((await h.op('GET', '/alerts')).body.filter((a: { day: string }) => a.day === '2024-10-03')).toEqual([]);
  });
});
