import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';
import { call } from './operator-api.js';


describe('planner topology and live state', () => {
  let dir: string;
  let app: TestApp<PlannerConfig>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'planner-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      ['groups:', '  - groupId: G-DEMO', '    contractKw: 100', '    stations:', '      - stationId: CP-A', '        maxCurrentA: 32', '        connectorCount: 2', ''].join('\n'),
    );
    app = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l), database: 'planner', env: { PLANNER_TOPOLOGY_FILE: file } });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a topology file at boot with defaults (220 V, 3 phases, 5 % margin, Asia/Taipei)', async () => {
    const { status, body } = await call(app, 'GET', '/api/v1/groups/G-DEMO');
    expect(status).toBe(200);
    expect(body).toMatchObject({ groupId: 'G-DEMO', contractKw: 100, nominalVoltageV: 220, phases: 3, safetyMargin: 0.05, timeZone: 'Asia/Taipei' });
    expect(body.stations).toEqual([
      { stationId: 'CP-A', maxCurrentA: 32, phases: 3, priority: 0, connectors: [
        { connectorId: 1, maxCurrentA: 32, phases: 3, minCurrentA: 6, priority: null },
        { connectorId: 2, maxCurrentA: 32, phases: 3, minCurrentA: 6, priority: null },
      ] },
    ]);
  });

  it('manages groups and stations through the operator API, with field errors for bad input', async () => {
    expect((await call(app, 'PUT', '/api/v1/groups/G2', { contractKw: 50, nominalVoltageV: 230, phases: 1 })).status).toBe(200);
    const put = await call(app, 'PUT', '/api/v1/groups/G2/stations/CP-B', { maxCurrentA: 16, phases: 1, priority: 2, connectors: [{ connectorId: 1 }] });
    expect(put.body.stations[0]).toMatchObject({ stationId: 'CP-B', maxCurrentA: 16, phases: 1, priority: 2 });
    // Moving a station to another group.
    await call(app, 'PUT', '/api/v1/groups/G-DEMO/stations/CP-B', { maxCurrentA: 16 });
    expect((await call(app, 'GET', '/api/v1/groups/G2')).body.stations).toEqual([]);
    const bad = await call(app, 'PUT', '/api/v1/groups/G3', { contractKw: -1, phases: 2 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.details)).toEqual(expect.arrayContaining(['contractKw', 'phases']));
    expect((await call(app, 'PUT', '/api/v1/groups/NOPE/stations/CP-C', { maxCurrentA: 16 })).status).toBe(404);
    expect((await call(app, 'DELETE', '/api/v1/groups/G2')).status).toBe(204);
    expect((await call(app, 'DELETE', '/api/v1/groups/G2')).status).toBe(404);
    // Every change announced (in the same transaction) for oscp: the mapping lives here.
    const announced: { payload: { groupId: string; stationIds: string[]; deleted: boolean } }[] = await app.app
      .get(DataSource)
      .query(`SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq`, [Subjects.PlannerGroupTopologyChanged]);
    const last = (groupId: string) => announced.filter((a) => a.payload.groupId === groupId).at(-1)?.payload;
    expect(last('G-DEMO')).toMatchObject({ stationIds: ['CP-A', 'CP-B'], deleted: false });
    expect(last('G2')).toMatchObject({ stationIds: [], deleted: true });
    expect(announced.some((a) => a.payload.groupId === 'G2' && a.payload.stationIds.includes('CP-B'))).toBe(true);
  });

  it('keeps the live state the allocator reads from ocpp events: status, sessions, measured power, profile outcomes', async () => {
    const bus = app.app.get(EventPublisher);
    const db = app.app.get(DataSource);
    await bus.publish(Subjects.OcppConnectorStatus, { stationId: 'CP-A', connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2026-11-23T10:00:00.000Z' });
    await bus.publish(Subjects.OcppConnectorStatus, { stationId: 'CP-A', connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-11-23T09:59:00.000Z' });
    await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'CP-A', connectorId: 1, transactionId: 7, idTag: 'T', meterStartWh: 0, startedAt: '2026-11-23T10:00:00.000Z' });
    await bus.publish(Subjects.OcppMeterSampled, {
      stationId: 'CP-A', connectorId: 1, transactionId: 7, timestamp: '2026-11-23T10:05:00.000Z',
      samples: [{ measurand: 'Power.Active.Import', value: 7.2, unit: 'kW' }, { measurand: 'Energy.Active.Import.Register', value: 600, unit: 'Wh' }],
    });
    await bus.publish(Subjects.OcppChargingProfileFailed, { stationId: 'CP-A', connectorId: 1, chargingProfileId: 101, status: 'Rejected', failedAt: '2026-11-23T10:06:00.000Z' });
    const state = async () => (await db.query(`SELECT * FROM connector_state WHERE station_id = 'CP-A' AND connector_id = 1`))[0];
    expect(await eventually(async () => (await state())?.power_w === 7200)).toBe(true);
    expect(await state()).toMatchObject({ status: 'Charging', transaction_id: 7, energy_wh: 600 });
    expect(await eventually(async () => (await db.query(`SELECT profile_failures FROM station_state WHERE station_id = 'CP-A'`))[0]?.profile_failures === 1)).toBe(true);
    await bus.publish(Subjects.OcppTransactionStopped, { stationId: 'CP-A', transactionId: 7, meterStopWh: 900, stoppedAt: '2026-11-23T10:30:00.000Z' });
    expect(await eventually(async () => (await state())?.transaction_id === null)).toBe(true);
  });
});
