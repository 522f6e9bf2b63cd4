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
import { PlanningRepository } from '../src/planning/planning.repository.js';
import { PlanningService } from '../src/planning/planning.service.js';

/**
 * A charger the ocpp service cannot reach keeps obeying the plan it acknowledged: through the real
 * consumer and database, the round sees that plan while the charger is offline, or while every later
 * plan failed `Offline` (a replica crashed with its socket), and counts the charger at it.
 */
describe('planner: chargers briefly out of reach are counted at their acknowledged plan', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: Date.now(), now: () => clock.ms };
  const published: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-offline-'));
    const file = join(dir, 'site.yaml');
    const stations = ['CP-OG1', 'CP-OG2'].flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']);
    writeFileSync(file, ['groups:', '  - groupId: GO', '    contractKw: 30', '    safetyMargin: 0', '    stations:', ...stations, ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      // Only the urgent rounds (a disconnect, a failure) run within the test; they send nothing to a charger out of reach.
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '60000', PLANNER_TICK_MS: '600000', PLANNER_OFFLINE_GRACE_S: '90' },
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
      `INSERT INTO station_plans (plan_id, group_id, station_id, reason, direction, effective_from, connectors, created_at, expected) VALUES ($1, 'GO', $4, 'allocation', 'decrease', $2, $3, $2, 2)`,
      [planId, new Date(clock.ms), JSON.stringify(connectors), stationId],
    );
    return { planId, connectors };
  };
  const consumed = async (eventId: string) => {
    published.push(eventId);
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [published]))[0].n === published.length)).toBe(true);
  };
  const answer = async (stationId: string, planId: string, connectorId: number, outcome: 'applied' | 'Offline' | 'Rejected') => {
    const at = new Date(clock.ms).toISOString();
    const common = { stationId, connectorId, planId, chargingProfileId: connectorId === 0 ? 1 : 100 + connectorId };
    await consumed(
      outcome === 'applied'
        ? await bus.publish(Subjects.OcppChargingProfileApplied, { ...common, purpose: connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile', stackLevel: 1, appliedAt: at })
        : await bus.publish(Subjects.OcppChargingProfileFailed, { ...common, status: outcome, detail: outcome === 'Offline' ? `Offline: station ${stationId} is not connected` : 'Rejected', failedAt: at }),
    );
  };
  const live = async (stationId: string) => (await db.transaction((tx) => app.app.get(PlanningRepository).stations(tx, 'GO'))).get(stationId)!;
  const reason = async (stationId: string) => ((await db.query(`SELECT reason FROM connector_allocation WHERE station_id = $1 AND connector_id = 1`, [stationId])) as { reason: string }[])[0]?.reason;
  const plans = async (stationId: string) => ((await db.query(`SELECT count(*)::int AS n FROM station_plans WHERE station_id = $1`, [stationId])) as { n: number }[])[0].n;

  it('an offline charger whose plan was acknowledged is counted at it; a later plan that failed Offline never reached it, one refused may have', async () => {
    const acked = await plan('CP-OG1', 10);
    await answer('CP-OG1', acked.planId, 0, 'applied');
    await answer('CP-OG1', acked.planId, 1, 'applied');
    const downAt = clock.ms;
    await consumed(await bus.publish(Subjects.OcppStationDisconnected, { stationId: 'CP-OG1', replicaId: 'ocpp-0', disconnectedAt: new Date(downAt).toISOString(), reason: 'replica shutdown' }));
    expect(await live('CP-OG1')).toMatchObject({ connected: false, connectionAtMs: downAt, acknowledged: acked.connectors });
    await app.app.get(PlanningService).planGroup('GO', 'test');
    expect(await reason('CP-OG1')).toBe(HELD_REASON);
    expect(await plans('CP-OG1')).toBe(1);

    const lost = await plan('CP-OG1', 20);
    await answer('CP-OG1', lost.planId, 0, 'Offline');
    await answer('CP-OG1', lost.planId, 1, 'Offline');
    expect((await live('CP-OG1')).acknowledged).toEqual(acked.connectors);

    const refused = await plan('CP-OG1', 20);
    await answer('CP-OG1', refused.planId, 0, 'Rejected');
    expect((await live('CP-OG1')).acknowledged).toBeUndefined();
    await app.app.get(PlanningService).planGroup('GO', 'test');
    expect(await reason('CP-OG1')).toBe('offline');
  });

  it('a connected charger whose plan failed Offline (its replica crashed) is counted at its acknowledged plan, not as refusing profiles', async () => {
    const acked = await plan('CP-OG2', 12);
    await answer('CP-OG2', acked.planId, 0, 'applied');
    await answer('CP-OG2', acked.planId, 1, 'applied');
    clock.ms += 1_000;
    const lost = await plan('CP-OG2', 16);
    await answer('CP-OG2', lost.planId, 0, 'Offline');
    await answer('CP-OG2', lost.planId, 1, 'Offline');
    expect(await live('CP-OG2')).toMatchObject({ connected: true, lastProfileResult: 'Offline', acknowledged: acked.connectors });
    await app.app.get(PlanningService).planGroup('GO', 'test');
    expect(await reason('CP-OG2')).toBe(HELD_REASON);
  });
});
