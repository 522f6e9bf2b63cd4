import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { flat } from '../src/timeline/test/forecasts.js';
import { limitAt } from '../src/planning/schedules.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789' };
/** 2026-12-04 12:00 in Taipei; the test moves the planner's clock by hand. */
const T0 = Date.parse('2026-12-04T12:00:00+08:00');
const iso = (ms: number): string => new Date(ms).toISOString();
const taipei = (local: string): number => Date.parse(`${local}+08:00`);

describe('planner: from capacity forecasts and sessions to station limit plans', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: T0, now: () => clock.ms };

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.baseUrl}${path}`, { method, headers: { ...KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Plans published so far (the outbox rows the relay sends), oldest first. */
  const plans = async (): Promise<PlannerStationLimitsPlanned[]> =>
    (await db.query(`SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq`, [Subjects.PlannerStationLimitsPlanned])).map((r: { payload: PlannerStationLimitsPlanned }) => r.payload);
  const latest = async (stationId: string) => (await plans()).filter((p) => p.stationId === stationId).at(-1);
  /**
   * Events the test published; `settled` waits until the planner has handled them all (each has its
   * inbox row). The test moves the planner's clock by hand, and only once its events are in: on a
   * loaded machine the clock would otherwise outrun them (an acknowledgement handled after the
   * 90 s ack timeout in simulated time makes the charger uncontrolled, and the test chases it).
   */
  const published: string[] = [];
  const send: EventPublisher['publish'] = async (...args) => {
    const id = await bus.publish(...args);
    published.push(id);
    return id;
  };
  const settled = async () =>
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [published]))[0].n === published.length)).toBe(true);
  const ack = async (plan: PlannerStationLimitsPlanned) => {
    for (const c of plan.connectors) {
      await send(Subjects.OcppChargingProfileApplied, {
        stationId: plan.stationId, connectorId: c.connectorId, planId: plan.planId, chargingProfileId: 1000 + c.connectorId,
        purpose: c.connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile', stackLevel: 1, appliedAt: iso(clock.ms),
      });
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-loop-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, ['groups:', '  - groupId: G1', '    partnerId: elmo', '    contractKw: 30', '    safetyMargin: 0', '    stations:',
      ...['CP-A', 'CP-B', 'CP-C'].flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']), ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '50', PLANNER_TICK_MS: '600000', PLANNER_INCIDENT_CONFIRM_S: '0' },
    });
    db = app.app.get(DataSource);
    bus = app.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plans every connected charger, re-shares when a session starts, and sends the decrease before the newcomer\'s increase', async () => {
    for (const id of ['CP-A', 'CP-B', 'CP-C']) await send(Subjects.OcppStationConnected, { stationId: id, replicaId: 'r1', protocol: 'ocpp1.6', connectedAt: iso(T0 - 60_000) });
    await send(Subjects.OcppTransactionStarted, { stationId: 'CP-A', connectorId: 1, transactionId: 1, idTag: 'T1', meterStartWh: 0, startedAt: iso(T0 - 30_000) });
    // The connections may be planned before the session is seen (idle connectors at 0 A, decreases):
    // the newcomer's 6 A follows once those are acknowledged, as chargers would.
    const acked = new Set<string>();
    const ackNewest = async () => {
      for (const id of ['CP-A', 'CP-B', 'CP-C']) {
        const plan = await latest(id);
        if (plan && !acked.has(plan.planId)) {
          acked.add(plan.planId);
          await ack(plan);
        }
      }
    };
    // If a round saw the session while the other chargers were not yet connected (counted at full
    // rating), hysteresis holds it paused for its dwell time: the clock moves on, rounds follow.
    expect(await eventually(async () => {
      await ackNewest();
      await settled();
      if ((await latest('CP-A'))?.connectors.find((c) => c.connectorId === 1)?.schedule.periods[0].limit === 6) return true;
      clock.ms += 30_000;
      await call('POST', '/api/v1/groups/G1/replan');
      return false;
    }, 30_000)).toBe(true);
    await ackNewest();
    // Ramp from the minimum to the full 32 A, one round at a time.
    for (let i = 0; i < 12; i++) {
      clock.ms += 10_000;
      await call('POST', '/api/v1/groups/G1/replan');
      const plan = await latest('CP-A');
      if (plan) await ack(plan);
      await settled();
    }
    expect(limitAt((await latest('CP-A'))!.connectors[1], clock.ms)).toBe(32);
    const before = (await plans()).length;
    await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'CP-B', connectorId: 1, transactionId: 2, idTag: 'T2', meterStartWh: 0, startedAt: iso(clock.ms) });
    expect(await eventually(async () => (await plans()).length > before)).toBe(true);
    const afterStart = (await plans()).slice(before);
    // CP-A comes down first (30 kW / 2 sessions = 22.7 A each); CP-B waits for the acknowledgement.
    expect(afterStart.map((p) => p.stationId)).toEqual(['CP-A']);
    expect(limitAt(afterStart[0].connectors[1], clock.ms)).toBe(22.7);
    await ack(afterStart[0]);
    expect(await eventually(async () => (await latest('CP-B'))?.connectors[1].schedule.periods[0].limit === 6)).toBe(true);
    const view = await call('GET', '/api/v1/groups/G1/allocation');
    expect(view.body.connectors.map((c: { stationId: string; status: string }) => [c.stationId, c.status])).toEqual([['CP-A', 'charging'], ['CP-B', 'charging'], ['CP-C', 'idle']]);
  });

  it('turns a day-ahead assignment into tomorrow\'s schedules, and an emergency into a lower limit exactly at its start', async () => {
    await bus.publish(Subjects.CapacityForecastReceived, {
      partnerId: 'elmo', groupId: 'G1', requestId: 'assign-1', forecastType: 'CONSUMPTION', kind: 'day_ahead_assignment', receivedAt: iso(clock.ms),
      blocks: flat(20).map((kw, h) => ({ startTime: iso(taipei('2026-12-05T00:00:00') + h * 3_600_000), endTime: iso(taipei('2026-12-05T00:00:00') + (h + 1) * 3_600_000), powerW: kw * 1000, phase: 'ALL' as const })),
    });
    expect(await eventually(async () => (await latest('CP-A'))?.reason === 'day_ahead')).toBe(true);
    const dayAhead = (await latest('CP-A'))!;
    // Tomorrow 20 kW for two sessions: 15.1/15.2 A each, from 00:00 Taipei.
    expect(limitAt(dayAhead.connectors[1], taipei('2026-12-05T09:00:00'))).toBeGreaterThanOrEqual(15.1);
    expect(limitAt(dayAhead.connectors[1], taipei('2026-12-05T09:00:00'))).toBeLessThanOrEqual(15.2);
    expect(dayAhead.validUntil).toBe(iso(taipei('2026-12-06T00:00:00')));
    for (const id of ['CP-A', 'CP-B', 'CP-C']) await ack((await latest(id))!);

    const start = clock.ms + 15 * 60_000;
    const timeline = await call('GET', `/api/v1/groups/G1/timeline?from=${encodeURIComponent(iso(clock.ms))}`);
    expect(timeline.body.segments[0]).toMatchObject({ limitKw: 30, source: 'contract' });
    await bus.publish(Subjects.CapacityForecastReceived, {
      partnerId: 'elmo', groupId: 'G1', requestId: 'em-1', forecastType: 'CONSUMPTION', kind: 'emergency', receivedAt: iso(clock.ms),
      blocks: [{ startTime: iso(start), endTime: iso(start + 3_600_000), powerW: 10_000, phase: 'ALL' }],
    });
    expect(await eventually(async () => (await latest('CP-A'))?.reason === 'emergency')).toBe(true);
    const a = (await latest('CP-A'))!;
    const sumAt = async (t: number) => (limitAt(a.connectors[0], t) + limitAt((await latest('CP-B'))!.connectors[0], t)) * 220 * 3;
    // Already safe with CP-B's previous plan: decreases go first.
    expect(await sumAt(start)).toBeLessThanOrEqual(10_000);
    const bBefore = (await latest('CP-B'))!.planId;
    await ack(a);
    expect(await eventually(async () => (await latest('CP-B'))!.planId !== bBefore)).toBe(true);
    expect(await sumAt(start - 1000)).toBeGreaterThan(10_000);
    expect(await sumAt(start)).toBeLessThanOrEqual(10_000);
    expect(await sumAt(start + 3_600_000)).toBeGreaterThan(10_000);
    const segments = (await call('GET', `/api/v1/groups/G1/timeline?from=${encodeURIComponent(iso(clock.ms))}`)).body.segments;
    expect(segments[1]).toMatchObject({ limitKw: 10, source: 'emergency', requestId: 'em-1', start: iso(start) });
  });

  it('treats a charger that rejects its profile as uncontrolled and reports when the limit cannot be held', async () => {
    // Let rounds triggered by the acknowledgements above finish, so the plan refused is the newest.
    let count = -1;
    expect(await eventually(async () => count === (count = (await plans()).length), 5_000, 300)).toBe(true);
    const plan = (await latest('CP-B'))!;
    await bus.publish(Subjects.OcppChargingProfileFailed, { stationId: 'CP-B', connectorId: 1, planId: plan.planId, chargingProfileId: 1001, status: 'Rejected', failedAt: iso(clock.ms) });
    expect(await eventually(async () => (await call('GET', '/api/v1/groups/G1/allocation')).body.connectors.find((c: { stationId: string }) => c.stationId === 'CP-B')?.status === 'uncontrolled')).toBe(true);
    const history = await call('GET', '/api/v1/groups/G1/plans?stationId=CP-B&limit=1');
    expect(history.body[0]).toMatchObject({ planId: plan.planId, failed: 1, lastFailure: 'Rejected' });
    // CP-B counts at its 32 A rating (21.1 kW) from now on: more than the 10 kW emergency allows.
    // Only this incident: a round at start-up, before the chargers were seen connected, may have had its own.
    const failures = async () =>
      (await db.query(`SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq`, [Subjects.CapacityComplianceFailed])).filter((r: { payload: { message: string } }) =>
        r.payload.message.includes('CP-B profile rejected'),
      );
    expect(await eventually(async () => (await failures()).length === 1)).toBe(true);
    const [{ payload }] = await failures();
    expect(payload).toMatchObject({ groupId: 'G1', partnerId: 'elmo', forecastRequestId: 'em-1' });
    expect(payload.message).toContain('CP-B profile rejected');
    // The same incident is not reported twice.
    await call('POST', '/api/v1/groups/G1/replan');
    expect(await failures()).toHaveLength(1);
  });

  it("keeps a charger connected when the old replica's disconnected arrives after the new replica's connected", async () => {
    const state = async () => (await db.query(`SELECT connected FROM station_state WHERE station_id = 'CP-MOVED'`))[0]?.connected;
    await bus.publish(Subjects.OcppStationConnected, { stationId: 'CP-MOVED', replicaId: 'r2', protocol: 'ocpp1.6', connectedAt: iso(clock.ms + 2_000) });
    expect(await eventually(async () => (await state()) === true)).toBe(true);
    const late = await bus.publish(Subjects.OcppStationDisconnected, { stationId: 'CP-MOVED', replicaId: 'r1', reason: 'replica shutting down', disconnectedAt: iso(clock.ms + 1_000) });
    // Handled (its inbox row is committed with its effect), and it changed nothing.
    expect(await eventually(async () => (await db.query(`SELECT 1 FROM inbox WHERE event_id = $1`, [late])).length === 1)).toBe(true);
    expect(await state()).toBe(true);
  });
});

describe('planner: on-site generation', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  const clock = { ms: T0, now: () => clock.ms };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-pv-'));
    app = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', env: { PLANNER_TICK_MS: '600000' } });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('credits stable solar output of the group\'s own sources (minimum of 5 min, derated 10 %) and nothing when it goes stale', async () => {
    const put = await fetch(`${app.baseUrl}/api/v1/groups/G-PV`, {
      method: 'PUT',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ contractKw: 20, safetyMargin: 0, stations: [{ stationId: 'PV-CP', maxCurrentA: 32 }], generation: [{ transceiverId: 'MATA-1', port: 0 }] }),
    });
    expect(put.status).toBe(200);
    const bus = app.app.get(EventPublisher);
    const reading = (transceiverId: string, atMs: number, powerW: number) =>
      bus.publish(Subjects.RemsMeasurementDecoded, {
        tenantAlias: 'demo', transceiverId, port: 0, source: 'mqtt', measuredAt: iso(atMs), energySource: 'solar', phases: 3, powerW, cumulativeWh: 1000, values: {}, faults: [],
      });
    for (const [ago, w] of [[240, 12_000], [180, 10_000], [120, 11_000], [60, 12_000], [0, 12_500]] as const) {
      await reading('MATA-1', T0 - ago * 1000, w);
      await reading('NOT-OURS', T0 - ago * 1000, 50_000);
    }
    const round = async () => {
      const r = await fetch(`${app.baseUrl}/api/v1/groups/G-PV/replan`, { method: 'POST', headers: KEY });
      expect(r.status).toBe(200);
      const view = (await (await fetch(`${app.baseUrl}/api/v1/groups/G-PV/allocation`, { headers: KEY })).json()) as { round: { solarCreditKw: number; availableKw: number } };
      return view.round;
    };
    expect(await eventually(async () => (await round()).solarCreditKw === 9)).toBe(true);
    expect((await round()).availableKw).toBe(29);
    // Three minutes without a reading: the credit is gone.
    clock.ms = T0 + 180_000;
    expect((await round()).solarCreditKw).toBe(0);
  });

});
