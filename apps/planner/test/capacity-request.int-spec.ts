import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { CapacityRequestService } from '../src/capacity-request/capacity-request.service.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { DAY_MS, HOUR_MS, taipeiDayStartMs } from '../src/timeline/index.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
const TODAY = '2026-12-04';
const TOMORROW = '2026-12-05';
const at = (hhmm: string) => Date.parse(`${TODAY}T${hhmm}:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();

describe('planner: the daily extra-capacity request', () => {
  let a: TestApp<PlannerConfig>;
  let b: TestApp<PlannerConfig>;
  const clock = { ms: at('12:00'), now: () => clock.ms };
  let db: DataSource;
  const api = async (method: string, path: string) => {
    const res = await fetch(`${a.baseUrl}${path}`, { method, headers: KEY });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const requests = async () => (await db.query(`SELECT payload FROM outbox WHERE subject = $1`, [Subjects.CapacityAdjustRequested])).map((r: { payload: unknown }) => r.payload);

  beforeAll(async () => {
    a = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', env: { PLANNER_TICK_MS: '600000' } });
    b = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', replicaOf: a, env: { PLANNER_TICK_MS: '600000' } });
    db = a.app.get(DataSource);
    for (const group of ['G-BUSY', 'G-QUIET']) {
      const res = await fetch(`${a.baseUrl}/api/v1/groups/${group}`, { method: 'PUT', headers: KEY, body: JSON.stringify({ groupId: group, partnerId: 'elmo', contractKw: 100, safetyMargin: 0.05 }) });
      expect(res.status).toBe(200);
    }
    // Demand history: the busy site draws 70 kW at 18:00 on the same weekday for six weeks, 30 kW otherwise.
    const day = taipeiDayStartMs(TOMORROW);
    for (let w = 1; w <= 6; w++) {
      for (let h = 0; h < 24; h++) {
        const hour = new Date(day - w * 7 * DAY_MS + h * HOUR_MS);
        await db.query(`INSERT INTO demand_hourly VALUES ('G-BUSY', $1, $2, 1), ('G-QUIET', $1, 20000, 1)`, [hour, h === 18 ? 70_000 : 30_000]);
      }
    }
    const bus = a.app.get(EventPublisher);
    for (const group of ['G-BUSY', 'G-QUIET']) {
      await bus.publish(Subjects.CapacityForecastReceived, {
        partnerId: 'elmo', groupId: group, requestId: `assign-${group}`, forecastType: 'CONSUMPTION', kind: 'day_ahead_assignment', receivedAt: iso(at('10:00')),
        blocks: Array.from({ length: 24 }, (_, h) => ({ startTime: iso(day + h * HOUR_MS), endTime: iso(day + (h + 1) * HOUR_MS), powerW: 50_000, phase: 'ALL' as const })),
      });
    }
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM capacity_forecasts`))[0].n === 2)).toBe(true);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('sends exactly one request per group and day across two replicas, only where the assignment falls short', async () => {
    // Before the decision time nothing happens.
    await Promise.all([a.app.get(CapacityRequestService).runDue(), b.app.get(CapacityRequestService).runDue()]);
    expect(await requests()).toEqual([]);
    clock.ms = at('13:31');
    await Promise.all([a.app.get(CapacityRequestService).runDue(), b.app.get(CapacityRequestService).runDue(), a.app.get(CapacityRequestService).runDue()]);
    const sent = await requests();
    expect(sent).toHaveLength(1);
    const request = sent[0];
    expect(request).toMatchObject({ groupId: 'G-BUSY', partnerId: 'elmo', date: TOMORROW, requestedBy: 'planner' });
    // 70 kW / 0.95 = 73.7 → 74 kW at 18:00; every other hour repeats the 50 kW assignment.
    expect(request.blocks.map((bl: { powerW: number }) => bl.powerW / 1000)).toEqual(Array.from({ length: 24 }, (_, h) => (h === 18 ? 74 : 50)));
    expect(request.blocks[0].startTime).toBe(iso(taipeiDayStartMs(TOMORROW)));
    const decisions = await db.query(`SELECT group_id, requested FROM adjust_decisions ORDER BY group_id`);
    expect(decisions).toEqual([{ group_id: 'G-BUSY', requested: true }, { group_id: 'G-QUIET', requested: false }]);
    // An operator asking again gets the decision without a second request.
    const again = await api('POST', '/api/v1/groups/G-BUSY/adjust-requests');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ request: true, recorded: false, date: TOMORROW });
    expect(await requests()).toHaveLength(1);
    const listed = await fetch(`${a.baseUrl}/api/v1/groups/G-BUSY/adjust-requests`, { headers: KEY });
    expect(((await listed.json()) as unknown[])[0]).toMatchObject({ date: TOMORROW, requested: true, requestedBy: 'planner' });
    // After the cut-off: refused.
    clock.ms = at('13:55');
    expect((await api('POST', '/api/v1/groups/G-QUIET/adjust-requests')).status).toBe(409);
  });
});
