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

/**
 * The offline-grace specs' planner: one group of 32 A stations on a 30 kW contract, a clock the test
 * moves, only the rounds the test runs (or urgent ones), and the ocpp service's profile outcomes
 * published on the real bus and consumed through the inbox.
 */
export function offlineSuite(groupId: string, stationIds: string[], env: Record<string, string> = {}) {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  const clock = { ms: Date.now(), now: () => clock.ms };
  const published: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-offline-'));
    const file = join(dir, 'site.yaml');
    const stations = stationIds.flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']);
    writeFileSync(file, ['groups:', `  - groupId: ${groupId}`, '    contractKw: 30', '    safetyMargin: 0', '    stations:', ...stations, ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '60000', PLANNER_TICK_MS: '600000', PLANNER_OFFLINE_GRACE_S: '90', ...env },
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const db = () => app.app.get(DataSource);
  const bus = () => app.app.get(EventPublisher);
  /** A plan of `limit` A on the Max profile and connector 1, stored as the planner would have published it. */
  const plan = async (stationId: string, limit: number, direction: 'increase' | 'decrease' = 'increase') => {
    const planId = randomUUID();
    const connectors = [0, 1].map((connectorId) => ({ connectorId, schedule: { startSchedule: new Date(clock.ms).toISOString(), chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit, numberPhases: 3 }] } }));
    await db().query(
      `INSERT INTO station_plans (plan_id, group_id, station_id, reason, direction, effective_from, connectors, created_at, expected) VALUES ($1, $5, $4, 'allocation', $6, $2, $3, $2, 2)`,
      [planId, new Date(clock.ms), JSON.stringify(connectors), stationId, groupId, direction],
    );
    return { planId, connectors };
  };
  const consumed = async (eventId: string) => {
    published.push(eventId);
    expect(await eventually(async () => (await db().query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1)`, [published]))[0].n === published.length)).toBe(true);
  };
  const common = (stationId: string, planId: string, connectorId: number) => ({ stationId, connectorId, planId, chargingProfileId: connectorId === 0 ? 1 : 100 + connectorId });
  /** `atMs`: the event's time, when not now (one delivered after newer ones). */
  const applied = async (stationId: string, planId: string, connectorId: number, atMs = clock.ms) =>
    consumed(
      await bus().publish(Subjects.OcppChargingProfileApplied, {
        ...common(stationId, planId, connectorId),
        purpose: connectorId === 0 ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
        stackLevel: 1,
        appliedAt: new Date(atMs).toISOString(),
      }),
    );
  /** The detail is the ocpp service's own (`${code}: ${description}`, commands/command-executor.ts replyOf). */
  const failed = async (status: 'Offline' | 'Timeout' | 'Rejected', stationId: string, planId: string, connectorId: number, description: string = status, atMs = clock.ms) =>
    consumed(await bus().publish(Subjects.OcppChargingProfileFailed, { ...common(stationId, planId, connectorId), status, detail: `${status}: ${description}`, failedAt: new Date(atMs).toISOString() }));
  const disconnected = async (stationId: string, reason: string) =>
    consumed(await bus().publish(Subjects.OcppStationDisconnected, { stationId, replicaId: 'ocpp-0', disconnectedAt: new Date(clock.ms).toISOString(), reason }));
  /** The round's allocation of connector 1. */
  const counted = async (stationId: string) =>
    ((await db().query(`SELECT reason, limit_value, status FROM connector_allocation WHERE station_id = $1 AND connector_id = 1`, [stationId])) as { reason: string; limit_value: number; status: string }[])[0];

  return { app: () => app, db, bus, clock, plan, consumed, applied, failed, disconnected, counted };
}
