/**
 * The planner's live state of connectors from OCPP events, through the real consumer and database:
 * what makes a connector count as "in a session" for the allocator.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';

const T0 = Date.parse('2026-12-04T12:00:00+08:00');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('planner live state', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  let db: DataSource;
  let bus: EventPublisher;
  const clock = { ms: T0, now: () => clock.ms };

  const row = async (stationId: string, connectorId = 1) =>
    (await db.query(`SELECT status, status_at, transaction_id, session_started_at, power_w, power_at, current_a, current_at FROM connector_state WHERE station_id = $1 AND connector_id = $2`, [stationId, connectorId]))[0] as
      | { status: string | null; status_at: Date | null; transaction_id: number | null; power_w: number | null; power_at: Date | null; current_a: number | null; current_at: Date | null }
      | undefined;
  const status = (stationId: string, s: 'Available' | 'Preparing' | 'Charging' | 'Finishing', at: number) =>
    bus.publish(Subjects.OcppConnectorStatus, { stationId, connectorId: 1, status: s, errorCode: 'NoError', timestamp: iso(at) });
  const started = (stationId: string, transactionId: number, at: number) =>
    bus.publish(Subjects.OcppTransactionStarted, { stationId, connectorId: 1, transactionId, idTag: 'TAG', meterStartWh: 0, startedAt: iso(at) });
  const stopped = (stationId: string, transactionId: number, at: number) =>
    bus.publish(Subjects.OcppTransactionStopped, { stationId, transactionId, meterStopWh: 1000, stoppedAt: iso(at) });
  const statusIs = (stationId: string, s: string) => eventually(async () => (await row(stationId))?.status === s, 10_000, 25);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-live-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, ['groups:', '  - groupId: G1', '    contractKw: 20', '    stations:', ...['CP-L1', 'CP-L2', 'CP-L3', 'CP-L4', 'CP-L5', 'CP-L6', 'CP-L7', 'CP-L8', 'CP-L9'].flatMap((id) => [`      - stationId: ${id}`, '        maxCurrentA: 32']), ''].join('\n'));
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      env: { PLANNER_TOPOLOGY_FILE: file, PLANNER_DEBOUNCE_MS: '50', PLANNER_TICK_MS: '600000' },
    });
    db = app.app.get(DataSource);
    bus = app.app.get(EventPublisher);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends a session whose StopTransaction never came once the connector reports Available after its start', async () => {
    // The charger discarded the stop after its retries (OCPP 1.6 §3.7.1): only the status tells the session is over.
    await started('CP-L1', 11, T0 - 600_000);
    await status('CP-L1', 'Charging', T0 - 599_000);
    await status('CP-L1', 'Finishing', T0 - 60_000);
    await status('CP-L1', 'Available', T0 - 30_000);
    expect(await statusIs('CP-L1', 'Available')).toBe(true);
    expect(await row('CP-L1')).toMatchObject({ transaction_id: null, current_a: null });
  });

  it('keeps a session when the Available it sees is older than its start (delivered late)', async () => {
    await started('CP-L2', 12, T0 - 10_000);
    expect(await eventually(async () => (await row('CP-L2'))?.transaction_id === 12, 10_000, 25)).toBe(true);
    await status('CP-L2', 'Available', T0 - 25_000); // before the plug-in: the newest status so far, not the session's end
    expect(await statusIs('CP-L2', 'Available')).toBe(true);
    expect((await row('CP-L2'))?.transaction_id).toBe(12);
  });

  it('opens no session on a start delivered after the stop of the same transaction (the ocpp outbox relayed it late)', async () => {
    await stopped('CP-L4', 14, T0 - 60_000);
    await started('CP-L4', 14, T0 - 600_000);
    await status('CP-L4', 'Finishing', T0 - 59_000); // applied in order after both: once it shows, the start was applied too
    expect(await statusIs('CP-L4', 'Finishing')).toBe(true);
    expect(await row('CP-L4')).toMatchObject({ transaction_id: null });
  });

  it('keeps a newer session when an older transaction of the connector starts and stops late', async () => {
    await started('CP-L5', 16, T0 - 30_000);
    expect(await eventually(async () => (await row('CP-L5'))?.transaction_id === 16, 10_000, 25)).toBe(true);
    await started('CP-L5', 15, T0 - 900_000); // both of the older transaction relayed late, the start first
    await stopped('CP-L5', 15, T0 - 60_000);
    await status('CP-L5', 'Charging', T0 - 29_000);
    expect(await statusIs('CP-L5', 'Charging')).toBe(true);
    expect(await row('CP-L5')).toMatchObject({ transaction_id: 16 });
    await stopped('CP-L5', 16, T0 - 1_000);
    expect(await eventually(async () => (await row('CP-L5'))?.transaction_id === null, 10_000, 25)).toBe(true);
  });

  it('a charger back from days offline: its queued session opens none once the connector reported Available since, nor replaces the session running now', async () => {
    // Back now and idle: a session of the day before, whose StopTransaction the charger lost, must not run from now on.
    await status('CP-L7', 'Available', T0 - 5_000);
    expect(await statusIs('CP-L7', 'Available')).toBe(true);
    await started('CP-L7', 31, T0 - 86_400_000);
    // Applied in order after it (another connector: a status of this one would end the session by the status rule).
    await bus.publish(Subjects.OcppConnectorStatus, { stationId: 'CP-L7', connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: iso(T0 - 4_000) });
    expect(await eventually(async () => (await row('CP-L7', 2))?.status === 'Available', 10_000, 25)).toBe(true);
    expect(await row('CP-L7')).toMatchObject({ transaction_id: null });
    // A session started now, then one the charger queued offline (delivered after it, so a higher id), started and stopped.
    await started('CP-L8', 40, T0 - 60_000);
    expect(await eventually(async () => (await row('CP-L8'))?.transaction_id === 40, 10_000, 25)).toBe(true);
    await started('CP-L8', 41, T0 - 36_000_000);
    await stopped('CP-L8', 41, T0 - 32_400_000);
    await status('CP-L8', 'Charging', T0 - 50_000);
    expect(await statusIs('CP-L8', 'Charging')).toBe(true);
    expect(await row('CP-L8')).toMatchObject({ transaction_id: 40 });
  });

  it('opens the session of a charger whose clock is a little behind, its Available placed at receipt (sent without a timestamp)', async () => {
    // ocpp places a status with no timestamp (optional in OCPP 1.6) at its receipt; the start keeps the charger's stamp,
    // here 2 minutes behind: started 30 s after the Available, it reads as 90 s before it. Ignored, the session live now
    // would get no share (limit 0) until its stop.
    await status('CP-L9', 'Available', T0 - 300_000);
    expect(await statusIs('CP-L9', 'Available')).toBe(true);
    await started('CP-L9', 51, T0 - 270_000 - 120_000);
    await status('CP-L9', 'Charging', T0 - 269_000);
    expect(await statusIs('CP-L9', 'Charging')).toBe(true);
    expect(await row('CP-L9')).toMatchObject({ transaction_id: 51 });
  });

  it('a reading delivered after its transaction stopped, or taken before the stop, does not bring the draw back', async () => {
    const draw = (a: number, at: number, transactionId?: number) =>
      bus.publish(Subjects.OcppMeterSampled, {
        stationId: 'CP-L6', connectorId: 1, transactionId, timestamp: iso(at),
        samples: [
          ...(['L1', 'L2', 'L3'] as const).map((phase) => ({ measurand: 'Current.Import' as const, value: a, unit: 'A' as const, phase })),
          { measurand: 'Power.Active.Import' as const, value: a * 690, unit: 'W' as const },
        ],
      });
    await started('CP-L6', 17, T0 - 600_000);
    await draw(16, T0 - 120_000, 17);
    expect(await eventually(async () => (await row('CP-L6'))?.current_a === 16, 10_000, 25)).toBe(true);
    await stopped('CP-L6', 17, T0 - 60_000);
    // Relayed late (the charger queued them, or the stop's transactionData): both taken before the stop.
    await draw(16, T0 - 90_000, 17);
    await draw(16, T0 - 70_000);
    await status('CP-L6', 'Finishing', T0 - 59_000); // applied in order after them
    expect(await statusIs('CP-L6', 'Finishing')).toBe(true);
    expect(await row('CP-L6')).toMatchObject({ transaction_id: null, current_a: null, power_w: 0 });
    // A reading after the stop (idle connector, or the next session) still counts.
    await draw(0, T0 - 30_000);
    expect(await eventually(async () => (await row('CP-L6'))?.current_a === 0, 10_000, 25)).toBe(true);
  });

  it('takes a reading as no later than the ocpp service received it: a charger clock ahead, once corrected, does not freeze the EV current', async () => {
    const draw = (a: number, at: number) =>
      bus.publish(Subjects.OcppMeterSampled, {
        stationId: 'CP-L3', connectorId: 1, transactionId: 13, timestamp: iso(at),
        samples: (['L1', 'L2', 'L3'] as const).map((phase) => ({ measurand: 'Current.Import' as const, value: a, unit: 'A' as const, phase })),
      });
    // Real time here: the bound is the event's own occurredAt (ocpp's receipt), not the planner's test clock.
    await started('CP-L3', 13, Date.now() - 60_000);
    await draw(16, Date.now() + 3_600_000); // the charger's clock an hour ahead
    expect(await eventually(async () => (await row('CP-L3'))?.current_a === 16, 10_000, 25)).toBe(true);
    expect((await row('CP-L3'))!.current_at!.getTime()).toBeLessThanOrEqual(Date.now());
    await new Promise((r) => setTimeout(r, 20));
    await draw(8, Date.now()); // the clock set right (Heartbeat currentTime): the EV now draws 8 A
    expect(await eventually(async () => (await row('CP-L3'))?.current_a === 8, 5_000, 25)).toBe(true);
  });
});
