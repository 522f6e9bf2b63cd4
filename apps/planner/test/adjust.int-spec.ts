import { Subjects, type EventMap } from '@cpo/contracts';
import { EventPublisher, NATS_CONNECTION } from '@cpo/messaging';
import { eventually, startTestApp, subscribeEvents, type TestApp } from '@cpo/testing';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { AdjustOutcomeService } from '../src/adjust/adjust-outcome.service.js';
import { AppModule } from '../src/app.module.js';
import { CapacityRequestService } from '../src/capacity-request/capacity-request.service.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { HOUR_MS, taipeiDayStartMs } from '../src/timeline/index.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
const TODAY = '2026-12-04';
const TOMORROW = '2026-12-05';
const D = taipeiDayStartMs(TOMORROW);
const at = (hhmm: string) => Date.parse(`${TODAY}T${hhmm}:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();
const flat = (kw: number) => Array.from({ length: 24 }, () => kw);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from the API under test
type Json = any;

describe('planner: extra-capacity requests forced by operators, and what was granted', () => {
  let a: TestApp<PlannerConfig>;
  let b: TestApp<PlannerConfig>;
  const clock = { ms: at('13:00'), now: () => clock.ms };
  let db: DataSource;
  let sub: Subscription;
  const published: EventMap[typeof Subjects.CapacityAdjustRequested][] = [];

  const call = async (app: TestApp<PlannerConfig>, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${app.baseUrl}/api/v1/groups${path}`, { method, headers: KEY, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const forecast = (groupId: string, requestId: string, kind: 'day_ahead_assignment' | 'day_ahead_reply', kw: number[], receivedAt: number) =>
    a.app.get(EventPublisher).publish(Subjects.CapacityForecastReceived, {
      partnerId: 'elmo', groupId, requestId, forecastType: 'CONSUMPTION', kind, receivedAt: iso(receivedAt),
      blocks: kw.map((v, h) => ({ startTime: iso(D + h * HOUR_MS), endTime: iso(D + (h + 1) * HOUR_MS), powerW: v * 1000, phase: 'ALL' as const })),
    });
  const stored = async (requestId: string) => eventually(async () => (await db.query(`SELECT 1 FROM capacity_forecasts WHERE request_id = $1`, [requestId])).length === 1);
  const outcomes = async (groupId: string) => (await call(a, 'GET', `/${groupId}/adjust-outcomes`)).body;
  /** Both replicas look for outcomes, as their timers would. */
  const recordOutcomes = () => Promise.all([a, b].map((r) => r.app.get(AdjustOutcomeService).recordOutcomes()));

  beforeAll(async () => {
    const env = { PLANNER_TICK_MS: '600000', PLANNER_METER_SAMPLE_MS: '600000' };
    a = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', env });
    b = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', replicaOf: a, env });
    db = a.app.get(DataSource);
    // What reaches the bus (the oscp service's view), not just the outbox.
    sub = subscribeEvents(a.app.get<NatsConnection>(NATS_CONNECTION), `${a.prefix}.${Subjects.CapacityAdjustRequested}`, (msg) => published.push(msg.json()));
    for (const group of ['G-OP', 'G-LATE', 'G-CUT']) {
      expect((await call(a, 'PUT', `/${group}`, { partnerId: 'elmo', contractKw: 100, safetyMargin: 0.05 })).status).toBe(200);
      await forecast(group, `assign-${group}`, 'day_ahead_assignment', flat(50), at('10:00'));
      expect(await stored(`assign-${group}`)).toBe(true);
    }
  });
  afterAll(async () => {
    sub?.unsubscribe();
    await b?.close();
    await a?.close();
  });

  it('refuses bad hourly values with a message per field', async () => {
    const short = await call(a, 'POST', '/G-OP/adjust-requests/manual', { blocksKw: flat(60).slice(1) });
    expect(short.status).toBe(400);
    expect(short.body.details.blocksKw).toContain('blocksKw must hold exactly 24 hourly values');
    const fraction = await call(a, 'POST', '/G-OP/adjust-requests/manual', { blocksKw: [60.5, ...flat(60).slice(1)] });
    expect(fraction.status).toBe(400);
    expect(fraction.body.details.blocksKw).toContain('each of blocksKw must be a whole number of kW');
    const above = flat(60);
    above[4] = 101;
    const overContract = await call(a, 'POST', '/G-OP/adjust-requests/manual', { blocksKw: above });
    expect(overContract.status).toBe(400);
    expect(overContract.body.details).toEqual({ 'blocksKw[4]': 'must not exceed the contract capacity of 100 kW' });
    expect((await call(a, 'POST', '/NOPE/adjust-requests/manual', { blocksKw: flat(60) })).status).toBe(404);
    expect(await db.query(`SELECT * FROM adjust_decisions`)).toEqual([]);
  });

  it('lets exactly one request out when operators on both replicas and the daily job race', async () => {
    clock.ms = at('13:31');
    const wanted = flat(50);
    wanted[18] = 75;
    wanted[19] = 70;
    const [, , fromA, fromB] = await Promise.all([
      a.app.get(CapacityRequestService).runDue(),
      b.app.get(CapacityRequestService).runDue(),
      call(a, 'POST', '/G-OP/adjust-requests/manual', { blocksKw: wanted, reason: 'fleet depot event' }),
      call(b, 'POST', '/G-OP/adjust-requests/manual', { blocksKw: wanted, reason: 'fleet depot event' }),
    ]);
    expect([fromA.status, fromB.status].sort()).toEqual([201, 409]);
    const won = fromA.status === 201 ? fromA.body : fromB.body;
    expect(won).toMatchObject({ groupId: 'G-OP', date: TOMORROW, requestedBy: 'operator' });
    expect(won.decision.hours[18]).toEqual({ hour: 18, assignedKw: 50, requestedKw: 75, short: true });
    expect((fromA.status === 409 ? fromA : fromB).body.message).toContain('already sent');

    expect(await eventually(() => published.some((p) => p.groupId === 'G-OP'))).toBe(true);
    // The job on both replicas again, and a second late look: still one.
    await Promise.all([a.app.get(CapacityRequestService).runDue(), b.app.get(CapacityRequestService).runDue()]);
    await new Promise((r) => setTimeout(r, 1500));
    const sent = published.filter((p) => p.groupId === 'G-OP');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ groupId: 'G-OP', partnerId: 'elmo', date: TOMORROW, requestedBy: 'operator', reason: 'fleet depot event' });
    expect(sent[0].blocks.map((bl) => bl.powerW / 1000)).toEqual(wanted);
    expect(sent[0].blocks[0]).toMatchObject({ startTime: `${TOMORROW}T00:00:00+08:00`, endTime: `${TOMORROW}T01:00:00+08:00` });
    expect(await db.query(`SELECT requested, requested_by FROM adjust_decisions WHERE group_id = 'G-OP'`)).toEqual([{ requested: true, requested_by: 'operator' }]);
  });

  it('replaces the daily job’s "no request" decision, and refuses after the cut-off', async () => {
    // No demand history: the job decided that nothing was needed for G-LATE and G-CUT.
    expect((await db.query(`SELECT requested FROM adjust_decisions WHERE group_id = 'G-LATE'`))[0]).toEqual({ requested: false });
    clock.ms = at('13:45');
    const wanted = flat(50);
    wanted[20] = 90;
    const forced = await call(a, 'POST', '/G-LATE/adjust-requests/manual', { blocksKw: wanted });
    expect(forced.status).toBe(201);
    expect(forced.body).toMatchObject({ replacedDecision: true, requestedBy: 'operator' });
    expect(await eventually(() => published.some((p) => p.groupId === 'G-LATE'))).toBe(true);
    const listed = await call(a, 'GET', '/G-LATE/adjust-requests');
    expect(listed.body[0]).toMatchObject({ date: TOMORROW, requested: true, requestedBy: 'operator' });
    expect(listed.body[0].decision.replaced).toMatchObject({ request: false });

    clock.ms = at('13:50');
    const late = await call(a, 'POST', '/G-CUT/adjust-requests/manual', { blocksKw: flat(60) });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('cut-off');
    expect(published.filter((p) => p.groupId === 'G-CUT')).toEqual([]);
  });

  it('records the granted/requested ratio when the reply arrives', async () => {
    clock.ms = at('16:00');
    const granted = flat(50);
    granted[18] = 62; // 12 of the 25 extra kW
    granted[19] = 70; // all 20
    await forecast('G-OP', 'reply-G-OP', 'day_ahead_reply', granted, at('16:00'));
    expect(await stored('reply-G-OP')).toBe(true);
    await recordOutcomes();
    const [outcome] = await outcomes('G-OP');
    expect(outcome).toMatchObject({ date: TOMORROW, kind: 'replied', replyRequestId: 'reply-G-OP', requestedKwh: 22 * 50 + 75 + 70, grantedKwh: 22 * 50 + 62 + 70 });
    expect(outcome.extraRatio).toBeCloseTo(32 / 45, 4);
    expect(outcome.hours[18]).toEqual({ hour: 18, assignedKw: 50, requestedKw: 75, grantedKw: 62 });
    // G-LATE has no reply yet and the deadline has not passed: nothing recorded.
    expect(await outcomes('G-LATE')).toEqual([]);
    const metrics = await (await fetch(`${b.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^planner_adjust_extra_granted_ratio\{group="G-OP"[^}]*\} 0\.7111$/m);
  });

  it('counts no reply by 16:10 as nothing granted, and a late reply still replaces that', async () => {
    clock.ms = at('16:11');
    await recordOutcomes();
    expect((await outcomes('G-LATE'))[0]).toMatchObject({ kind: 'no_reply', extraRatio: 0, grantedKwh: 1200 });
    clock.ms = at('16:30');
    await forecast('G-LATE', 'reply-G-LATE', 'day_ahead_reply', flat(60), at('16:30'));
    expect(await stored('reply-G-LATE')).toBe(true);
    await recordOutcomes();
    expect((await outcomes('G-LATE'))[0]).toMatchObject({ kind: 'replied', replyRequestId: 'reply-G-LATE', extraRatio: 0.25 });
    expect((await db.query(`SELECT count(*)::int AS n FROM adjust_outcomes`))[0].n).toBe(2);
  });
});
