/**
 * Reclaiming what an EV does not draw, through the real consumer, database and plans: a session
 * whose EV stays far below its share is capped near its draw, the other session gets the rest, and
 * the cap lifts when the EV draws more.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { limitAt } from '../src/planning/schedules.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
const T0 = Date.parse('2026-12-04T12:00:00+08:00');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('planner: capacity an EV leaves unused goes to the other sessions', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: T0, now: () => clock.ms };
  const acked = new Set<string>();

  const call = async (method: string, path: string) => {
    const res = await fetch(`${app.baseUrl}${path}`, { method, headers: KEY });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const latest = async (stationId: string): Promise<PlannerStationLimitsPlanned | undefined> =>
    (await db.query(`SELECT payload FROM outbox WHERE subject = $1 AND payload->>'stationId' = $2 ORDER BY seq DESC LIMIT 1`, [Subjects.PlannerStationLimitsPlanned, stationId]))[0]?.payload;
  const limitNow = async (stationId: string) => {
    const plan = await latest(stationId);
    return plan === undefined ? undefined : limitAt(plan.connectors.find((c) => c.connectorId === 1)!, clock.ms);
  };
  /** Chargers accept every plan; the clock moves on and a round follows. */
  const step = async (ms: number) => {
    for (const id of ['CP-A', 'CP-B']) {
      const plan = await latest(id);
      if (plan === undefined || acked.has(plan.planId)) continue;
      acked.add(plan.planId);
      for (const c of plan.connectors) {
        await bus.publish(Subjects.OcppChargingProfileApplied, {
          stationId: id, connectorId: c.connectorId, planId: plan.planId, chargingProfileId: 1000 + c.connectorId,
          purpose: c.connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile', stackLevel: 1, appliedAt: iso(clock.ms),
        });
      }
    }
    clock.ms += ms;
    await call('POST', '/api/v1/groups/G1/replan');
  };
  const settle = (check: () => Promise<boolean>) => eventually(async () => (await check()) || (await step(5_000), false), 30_000, 50);
  /** A reading of CP-A's EV, once the planner has stored it (a round must not run before it is seen). */
  const drawA = async (currentA: number) => {
    const at = clock.ms;
    await bus.publish(Subjects.OcppMeterSampled, {
      stationId: 'CP-A', connectorId: 1, transactionId: 1, timestamp: iso(at),
      samples: ['L1', 'L2', 'L3'].map((phase) => ({ measurand: 'Current.Import' as const, value: currentA, unit: 'A' as const, phase: phase as 'L1' })),
    });
    const stored = async () => (await db.query(`SELECT current_at FROM connector_state WHERE station_id = 'CP-A' AND connector_id = 1`))[0]?.current_at?.getTime() === at;
    expect(await eventually(stored, 10_000, 25)).toBe(true);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-ev-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, ['groups:', '  - groupId: G1', '    contractKw: 20', '    safetyMargin: 0', '    stations:', ...['CP-A', 'CP-B'].flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']), ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '50', PLANNER_TICK_MS: '600000', PLANNER_RAMP_PER_S: '1' },
    });
    db = app.app.get(DataSource);
    bus = app.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caps a session near what its EV draws, gives the rest to the other one, and lifts the cap when the EV draws more', async () => {
    for (const id of ['CP-A', 'CP-B']) await bus.publish(Subjects.OcppStationConnected, { stationId: id, replicaId: 'r1', protocol: 'ocpp1.6', connectedAt: iso(T0 - 60_000) });
    await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'CP-A', connectorId: 1, transactionId: 1, idTag: 'T1', meterStartWh: 0, startedAt: iso(T0 - 30_000) });
    await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'CP-B', connectorId: 1, transactionId: 2, idTag: 'T2', meterStartWh: 0, startedAt: iso(T0 - 30_000) });
    // 20 kW over two sessions: 15.1 / 15.2 A each (660 W per A).
    expect(await settle(async () => ((await limitNow('CP-A')) ?? 0) >= 15.1 && ((await limitNow('CP-B')) ?? 0) >= 15.1)).toBe(true);

    // A's EV takes about 3 A for over two minutes (two readings): A is capped at its 6 A minimum, B gets the rest.
    await drawA(3);
    // Two minutes on, in steps the chargers answer (a plan left unanswered 90 s makes its charger uncontrolled).
    for (let i = 0; i < 13; i++) await step(10_000);
    await drawA(3.2);
    let seen = '';
    const capped = async () => {
      const [a, b] = [await limitNow('CP-A'), await limitNow('CP-B')];
      seen = JSON.stringify({ a, b, clock: iso(clock.ms), rows: await db.query(`SELECT station_id, status, reason, limit_value, ev_under_since, ev_peak_a FROM connector_allocation`) });
      return a === 6 && b === 24.3;
    };
    if (!(await settle(capped))) throw new Error(`not capped: ${seen}`);
    const view = (await call('GET', '/api/v1/groups/G1/allocation')).body.connectors as { stationId: string; reason: string; measuredA: number }[];
    expect(view.find((c) => c.stationId === 'CP-A')).toMatchObject({ reason: 'capped near what the EV draws (at most 3.2 A)', measuredA: 3.2 });

    // The EV now takes 5.5 A of its 6 A: it wants more, and the two share again (B comes down first).
    await drawA(5.5);
    expect(await settle(async () => ((await limitNow('CP-A')) ?? 0) >= 15.1 && ((await limitNow('CP-B')) ?? 99) <= 15.2)).toBe(true);
  });
});
