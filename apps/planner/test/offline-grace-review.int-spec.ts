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
import { HELD_REASON } from '../src/planning/offline-grace.js';
import { PlanningService } from '../src/planning/planning.service.js';

/**
 * Review of the offline grace (230a103): cases where the charger may hold more than the plan the
 * round counts it at. F3 is marked `it.failing`: a documented trade-off, not fixed.
 */
describe('planner: offline grace, what the charger may hold', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: Date.now(), now: () => clock.ms };
  const published: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-offline-review-'));
    const file = join(dir, 'site.yaml');
    const stations = ['CP-R1', 'CP-R2', 'CP-R3'].flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']);
    writeFileSync(file, ['groups:', '  - groupId: GR', '    contractKw: 30', '    safetyMargin: 0', '    stations:', ...stations, ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '60000', PLANNER_TICK_MS: '600000', PLANNER_OFFLINE_GRACE_S: '90', PLANNER_UNCONTROLLED_RETRY_S: '600' },
    });
    db = app.app.get(DataSource);
    bus = app.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = async (stationId: string, limit: number) => {
    const planId = randomUUID();
    const connectors = [0, 1].map((connectorId) => ({ connectorId, schedule: { startSchedule: new Date(clock.ms).toISOString(), chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit, numberPhases: 3 }] } }));
    await db.query(
      `INSERT INTO station_plans (plan_id, group_id, station_id, reason, direction, effective_from, connectors, created_at, expected) VALUES ($1, 'GR', $4, 'allocation', 'increase', $2, $3, $2, 2)`,
      [planId, new Date(clock.ms), JSON.stringify(connectors), stationId],
    );
    return planId;
  };
  const consumed = async (eventId: string) => {
    published.push(eventId);
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [published]))[0].n === published.length)).toBe(true);
  };
  const applied = async (stationId: string, planId: string, connectorId: number) =>
    consumed(
      await bus.publish(Subjects.OcppChargingProfileApplied, {
        stationId,
        connectorId,
        planId,
        chargingProfileId: connectorId === 0 ? 1 : 100 + connectorId,
        purpose: connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
        stackLevel: 1,
        appliedAt: new Date(clock.ms).toISOString(),
      }),
    );
  // The detail is the ocpp service's own (`${code}: ${description}`, commands/command-executor.ts replyOf).
  const failed = async (status: 'Offline' | 'Timeout', stationId: string, planId: string, connectorId: number, description: string) =>
    consumed(
      await bus.publish(Subjects.OcppChargingProfileFailed, {
        stationId,
        connectorId,
        planId,
        chargingProfileId: connectorId === 0 ? 1 : 100 + connectorId,
        status,
        detail: `${status}: ${description}`,
        failedAt: new Date(clock.ms).toISOString(),
      }),
    );
  const offline = (stationId: string, planId: string, connectorId: number, description: string) => failed('Offline', stationId, planId, connectorId, description);
  const counted = async (stationId: string) =>
    ((await db.query(`SELECT reason, limit_value FROM connector_allocation WHERE station_id = $1 AND connector_id = 1`, [stationId])) as { reason: string; limit_value: number }[])[0];

  // A SetChargingProfile the ocpp service had SENT when the socket closed may have been taken by the
  // charger: the ocpp service publishes it as `Timeout` (mayHaveActed), not `Offline` (never sent).
  // Counting the charger at the older, lower plan it acknowledged would give the others capacity
  // the charger may be drawing; as any failure other than `Offline`, it counts at its full rating.
  it('an increase that failed after it was sent (socket closed before the answer, Timeout) may be held: counted at no less than it', async () => {
    const acked = await plan('CP-R1', 10);
    await applied('CP-R1', acked, 0);
    await applied('CP-R1', acked, 1);
    clock.ms += 1_000;
    const raised = await plan('CP-R1', 24);
    await failed('Timeout', 'CP-R1', raised, 0, 'the station disconnected before answering');
    await failed('Timeout', 'CP-R1', raised, 1, 'the station disconnected before answering');
    await consumed(await bus.publish(Subjects.OcppStationDisconnected, { stationId: 'CP-R1', replicaId: 'ocpp-0', disconnectedAt: new Date(clock.ms).toISOString(), reason: 'replica shutdown' }));
    clock.ms += 1_000;
    await app.app.get(PlanningService).planGroup('GR', 'test');
    // Not at its acknowledged 10 A (it may be at 24 A on each phase: 14 A × 3 × 220 V = 9.2 kW unaccounted).
    const r1 = await counted('CP-R1');
    expect(r1.reason).not.toBe(HELD_REASON);
    expect(r1.limit_value).toBeGreaterThanOrEqual(24);
  });

  // The grace must not restart at every Offline failure: a charger the ocpp service has not reached for 10
  // minutes (its replica crashed, the charger never came back, no `disconnected` was published) is
  // retried after PLANNER_UNCONTROLLED_RETRY_S, the re-sent plan fails Offline at once, and the
  // charger is counted at its old plan for another 90 s, although the grace exists because after it
  // "it may have rebooted and lost its profiles". Unreachable since the first failure: full rating.
  it('a charger unreachable for longer than the grace stays at its rating when the retry fails Offline again', async () => {
    const acked = await plan('CP-R2', 10);
    await applied('CP-R2', acked, 0);
    await applied('CP-R2', acked, 1);
    clock.ms += 1_000;
    const lost = await plan('CP-R2', 16);
    await offline('CP-R2', lost, 0, 'no replica holds the station');
    await offline('CP-R2', lost, 1, 'no replica holds the station');
    await app.app.get(PlanningService).planGroup('GR', 'test');
    expect((await counted('CP-R2')).reason).toBe(HELD_REASON);
    clock.ms += 120_000;
    await app.app.get(PlanningService).planGroup('GR', 'test');
    expect((await counted('CP-R2')).reason).toBe('offline');
    // The retry: steerable again, its plan re-sent in full, which fails Offline at once.
    clock.ms += 600_000;
    await app.app.get(PlanningService).planGroup('GR', 'test');
    const [retry] = (await db.query(`SELECT plan_id FROM station_plans WHERE station_id = 'CP-R2' ORDER BY seq DESC LIMIT 1`)) as { plan_id: string }[];
    expect(retry.plan_id).not.toBe(lost);
    clock.ms += 500;
    await offline('CP-R2', retry.plan_id, 0, 'no replica holds the station');
    await offline('CP-R2', retry.plan_id, 1, 'no replica holds the station');
    await app.app.get(PlanningService).planGroup('GR', 'test');
    // Before the fix: HELD_REASON at 10 A, 12 minutes after the charger was last reached.
    expect((await counted('CP-R2')).reason).toBe('offline');
  });

  // A charger that rebooted (some firmware loses its profiles) and reconnects is steerable at once,
  // counted at the plan it acknowledged before, though it holds no limit until the ocpp service's
  // reconnect pass has re-sent its profiles and they are accepted: the planner does not read
  // `ocpp.station.booted`, and a reconnect within the grace looks like a blip. Until a profile
  // outcome newer than the boot, it may draw its rating.
  it.failing('a charger that booted again since its plan was applied counts at its rating until its profiles are answered again', async () => {
    const acked = await plan('CP-R3', 10);
    await applied('CP-R3', acked, 0);
    await applied('CP-R3', acked, 1);
    clock.ms += 1_000;
    await consumed(await bus.publish(Subjects.OcppStationDisconnected, { stationId: 'CP-R3', replicaId: 'ocpp-0', disconnectedAt: new Date(clock.ms).toISOString(), reason: 'closed by the charger' }));
    clock.ms += 40_000;
    await consumed(await bus.publish(Subjects.OcppStationConnected, { stationId: 'CP-R3', replicaId: 'ocpp-1', protocol: 'ocpp1.6', connectedAt: new Date(clock.ms).toISOString() }));
    // Published as the ocpp service does; the planner does not consume it today (no inbox row to wait for).
    await bus.publish(Subjects.OcppStationBooted, { stationId: 'CP-R3', vendor: 'V', model: 'M', registrationStatus: 'Accepted', intervalS: 300, bootedAt: new Date(clock.ms).toISOString() });
    clock.ms += 500;
    await app.app.get(PlanningService).planGroup('GR', 'test');
    // Today: steerable at once, counted at its allocation (0 A here: no session known; with one, its share).
    expect(await counted('CP-R3')).toMatchObject({ status: 'uncontrolled', limit_value: 32 });
  });
});
