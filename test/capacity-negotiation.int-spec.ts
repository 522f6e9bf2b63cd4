/**
 * The day's negotiation end to end over the real services: the ELMO testbed assigns tomorrow at
 * 10:00, the planner forecasts demand from its history and, at 13:31, asks for more through oscp;
 * the testbed's reply replaces tomorrow's plan, and the planner's timeline follows it. Clocks of
 * the testbed, oscp and planner move together by hand.
 */
import { Subjects } from '@cpo/contracts';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { startHarness, type Harness } from '../apps/oscp/test/harness.js';
import { AppModule as PlannerApp } from '../apps/planner/src/app.module.js';
import { CapacityRequestService } from '../apps/planner/src/capacity-request/capacity-request.service.js';
import { loadPlannerConfig, type PlannerConfig } from '../apps/planner/src/config.js';
import { DAY_MS, HOUR_MS, taipeiDayStartMs } from '../apps/planner/src/timeline/index.js';

const GROUP = 'SITE-NEG';
const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
const taipei = (local: string) => new Date(`${local}+08:00`).toISOString();

describe('the day negotiated end to end: assignment, extra-capacity request, reply', () => {
  let h: Harness;
  let planner: TestApp<PlannerConfig>;
  const clock = { ms: Date.parse(taipei('2026-12-04T09:59:00')), now: () => clock.ms };
  let fpToken: string;
  const setNow = async (local: string) => {
    clock.ms = Date.parse(taipei(local));
    await h.setNow(taipei(local));
  };
  const trigger = (body: Record<string, unknown>) =>
    h.sim('POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
      callback_url: `${h.oscp.baseUrl}/oscp/fp/2.0/update_group_capacity_forecast`,
      header: { authorization: fpToken },
      group_id: GROUP,
      ...body,
    });

  beforeAll(async () => {
    h = await startHarness({ start: taipei('2026-12-04T09:59:00') });
    await h.setNow(taipei('2026-12-04T09:59:00'));
    let partnerId: string;
    ({ fpToken, partnerId } = await h.connect(GROUP, 100, ['NEG-1']));
    planner = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => PlannerApp.forRoot(c, l, clock), database: 'planner', env: { NATS_SUBJECT_PREFIX: h.oscp.prefix, PLANNER_TICK_MS: '600000' } });
    const put = await fetch(`${planner.baseUrl}/api/v1/groups/${GROUP}`, { method: 'PUT', headers: KEY, body: JSON.stringify({ partnerId, contractKw: 100, safetyMargin: 0.05, stations: [{ stationId: 'NEG-1', maxCurrentA: 32 }] }) });
    expect(put.status).toBe(200);
    // Six weeks of history: the site wanted 70 kW at 18:00 on this weekday.
    const day = taipeiDayStartMs('2026-12-05');
    const db = planner.app.get(DataSource);
    for (let w = 1; w <= 6; w++) for (let hr = 0; hr < 24; hr++) await db.query(`INSERT INTO demand_hourly VALUES ($1, $2, $3, 1)`, [GROUP, new Date(day - w * 7 * DAY_MS + hr * HOUR_MS), hr === 18 ? 70_000 : 30_000]);
  }, 60_000);
  afterAll(async () => {
    await planner?.close();
    await h?.close();
  }, 30_000);

  it('asks for what tomorrow needs and plans with the reply', async () => {
    await setNow('2026-12-04T10:00:00');
    expect((await trigger({ purpose: 'negotiation_assign_capacity', capacity: 50 })).body.callback_status).toBe(204);
    const db = planner.app.get(DataSource);
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM capacity_forecasts`))[0].n === 1)).toBe(true);

    await setNow('2026-12-04T13:31:00');
    await planner.app.get(CapacityRequestService).runDue();
    // The planner's request reaches the testbed through oscp as ELMO's adjust_group_capacity_forecast.
    const adjusts = async () => ((await h.sim('GET', '/_sim/received')).body.adjusts ?? []) as { groupId: string; hourlyKw: number[] }[];
    expect(await eventually(async () => (await adjusts()).length === 1, 15_000)).toBe(true);
    const [adjust] = await adjusts();
    expect(adjust.groupId).toBe(GROUP);
    expect(adjust.hourlyKw).toEqual(Array.from({ length: 24 }, (_, hr) => (hr === 18 ? 74 : 50)));

    // oscp records ELMO's 204 once its call returns; ELMO replies hours later, the test must wait for it.
    const oscpDb = h.oscp.app.get(DataSource);
    expect(await eventually(async () => (await oscpDb.query(`SELECT status FROM oscp_adjust WHERE group_id = $1`, [GROUP]))[0]?.status === 'accepted')).toBe(true);
    // ELMO's reply (automatic at 16:00 with our values) replaces tomorrow's plan.
    await setNow('2026-12-04T16:00:00');
    expect((await trigger({ purpose: 'negotiation_reply_request_additional_capacity' })).body.callback_status).toBe(204);
    const segment = async () => {
      const res = await fetch(`${planner.baseUrl}/api/v1/groups/${GROUP}/timeline?from=${encodeURIComponent(taipei('2026-12-05T18:00:00'))}&to=${encodeURIComponent(taipei('2026-12-05T19:00:00'))}`, { headers: KEY });
      return ((await res.json()) as { segments: { limitKw: number; source: string }[] }).segments[0];
    };
    expect(await eventually(async () => (await segment())?.source === 'day_ahead_reply', 15_000)).toBe(true);
    expect(await segment()).toMatchObject({ limitKw: 74, source: 'day_ahead_reply' });
    expect((await db.query(`SELECT count(*)::int AS n FROM outbox WHERE subject = $1`, [Subjects.CapacityAdjustRequested]))[0].n).toBe(1);
  });
});
