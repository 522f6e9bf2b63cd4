import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { PlanningViewsRepository } from '../src/planning/planning-views.repository.js';
import { PlanningRepository } from '../src/planning/planning.repository.js';

const ACK_TIMEOUT_MS = 90_000;

/**
 * A plan is answered once every connector it names has an answer (`applied` or `failed`), not once
 * as many events came as it has connectors: the ocpp service may answer one connector twice (a cap
 * sent again when the connectors were split anew, a running transaction's TxProfile after a check's
 * NotObeyed, a reconnect sending everything again), and counting those as the answers of the
 * connectors still waiting released the group's increases while a decrease was still on its way.
 */
describe('planner: a plan is answered when each of its connectors is', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: Date.now(), now: () => clock.ms };
  const published: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-answers-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, ['groups:', '  - groupId: GA', '    partnerId: elmo', '    contractKw: 30', '    safetyMargin: 0', '    stations:', '      - stationId: CP-ANS', '        maxCurrentA: 32', ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      // No round within the test (events debounced for a minute, no tick): only the test's plans exist.
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '60000', PLANNER_TICK_MS: '600000' },
    });
    db = app.app.get(DataSource);
    bus = app.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A decrease for connectors 0 (the station cap) and 1, stored as the planner stores what it
   * publishes. Of CP-ANS in group GA, or of a station in no group of the topology (GX): a failure
   * answered for a station of the topology has the planner plan it at once, and its own plan would
   * be pending beside the test's.
   */
  const decrease = async (groupId = 'GA', stationId = 'CP-ANS') => {
    const planId = randomUUID();
    const connectors = [0, 1].map((connectorId) => ({ connectorId, schedule: { startSchedule: new Date(clock.ms).toISOString(), chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] } }));
    await db.query(
      `INSERT INTO station_plans (plan_id, group_id, station_id, reason, direction, effective_from, connectors, created_at, expected) VALUES ($1, $4, $5, 'allocation', 'decrease', $2, $3, $2, 2)`,
      [planId, new Date(clock.ms), JSON.stringify(connectors), groupId, stationId],
    );
    return planId;
  };
  const answer = async (planId: string, connectorId: number, outcome: 'applied' | 'NotObeyed', stationId = 'CP-ANS') => {
    const at = new Date(clock.ms).toISOString();
    const common = { stationId, connectorId, planId, chargingProfileId: connectorId === 0 ? 1 : 100 + connectorId };
    published.push(
      outcome === 'applied'
        ? await bus.publish(Subjects.OcppChargingProfileApplied, { ...common, purpose: connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile', stackLevel: 1, appliedAt: at })
        : await bus.publish(Subjects.OcppChargingProfileFailed, { ...common, status: 'NotObeyed', detail: 'composite 16 A above 10 A', failedAt: at }),
    );
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [published]))[0].n === published.length)).toBe(true);
  };
  const repo = () => app.app.get(PlanningRepository);
  const pending = (groupId = 'GA') => db.transaction((tx) => repo().decreasesPending(tx, groupId, ACK_TIMEOUT_MS, clock.ms));
  const unanswered = async () => (await db.transaction((tx) => repo().publishedPlans(tx, 'GA'))).get('CP-ANS')?.unanswered;
  const stationUnanswered = async () => (await db.transaction((tx) => repo().stations(tx, 'GA'))).get('CP-ANS')?.lastPlanUnanswered;

  it('two answers for the cap leave the decrease pending until connector 1 answers', async () => {
    const planId = await decrease();
    await answer(planId, 0, 'applied');
    await answer(planId, 0, 'applied');
    expect([await pending(), await unanswered(), await stationUnanswered()]).toEqual([true, true, true]);
    await answer(planId, 1, 'applied');
    expect([await pending(), await unanswered(), await stationUnanswered()]).toEqual([false, false, false]);
  });

  it("a check's NotObeyed and an answer of a connector the plan does not name count for no other connector", async () => {
    const planId = await decrease('GX', 'CP-GONE');
    await answer(planId, 0, 'applied', 'CP-GONE');
    await answer(planId, 0, 'NotObeyed', 'CP-GONE');
    await answer(planId, 2, 'applied', 'CP-GONE'); // a running transaction's TxProfile carrying the cap's share
    expect(await pending('GX')).toBe(true);
    await answer(planId, 1, 'NotObeyed', 'CP-GONE');
    expect(await pending('GX')).toBe(false);
    // The operators' view says which connectors answered.
    const view = await app.app.get(PlanningViewsRepository).plans('GX', 10, 'CP-GONE');
    expect(view.find((p) => p['planId'] === planId)?.['answeredConnectors']).toEqual([0, 1]);
  });

  it('a plan answered in full through a replica of the previous release (no connector recorded) counts as answered by its counters', async () => {
    const planId = await decrease('GX', 'CP-GONE');
    expect(await pending('GX')).toBe(true);
    await db.query(`UPDATE station_plans SET applied = 2 WHERE plan_id = $1`, [planId]);
    expect(await pending('GX')).toBe(false);
  });

  it('a decrease superseded by a newer plan of its station before it was answered no longer holds the group back (the ocpp service never answers it)', async () => {
    const old = await decrease('GX', 'CP-NEWER');
    await answer(old, 0, 'applied', 'CP-NEWER');
    const newer = await decrease('GX', 'CP-NEWER');
    expect(await pending('GX')).toBe(true);
    await answer(newer, 0, 'applied', 'CP-NEWER');
    await answer(newer, 1, 'applied', 'CP-NEWER');
    expect(await pending('GX')).toBe(false);
  });

  it("the plan history's outcomeAt is when the plan's last connector first answered; a late repeat moves neither it nor the answered connectors", async () => {
    const planId = await decrease('GX', 'CP-LATE');
    const at0 = clock.ms;
    await answer(planId, 0, 'applied', 'CP-LATE');
    clock.ms += 5_000;
    const at1 = clock.ms;
    await answer(planId, 1, 'applied', 'CP-LATE');
    clock.ms += 60_000; // a reconnect sends every profile again
    await answer(planId, 0, 'applied', 'CP-LATE');
    const [row] = (await app.app.get(PlanningViewsRepository).plans('GX', 10, 'CP-LATE')) as { outcomeAt: Date; answeredConnectors: number[]; applied: number }[];
    expect(row).toMatchObject({ answeredConnectors: [0, 1], applied: 3 });
    expect(new Date(row!.outcomeAt).getTime()).toBe(at1);
    expect(at1).toBeGreaterThan(at0);
  });
});
