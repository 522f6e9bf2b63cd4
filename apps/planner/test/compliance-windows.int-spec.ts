import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { ComplianceService } from '../src/compliance-windows/compliance.service.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
/** 2026-12-04 12:00 Asia/Taipei, on the quarter-hour grid. */
const T0 = Date.parse('2026-12-04T12:00:00+08:00');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('planner: compliance per 15-minute window from the group register', () => {
  let app: TestApp<PlannerConfig>;
  const clock = { ms: T0, now: () => clock.ms };
  let bus: EventPublisher;
  let db: DataSource;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.baseUrl}${path}`, { method, headers: KEY, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { windows: Record<string, unknown>[]; totals: Record<string, number> } };
  };
  /** Both connectors report their registers at the clock's time, then the group is sampled. */
  const sample = async (registers: [number, number]) => {
    for (const [i, wh] of registers.entries()) {
      await bus.publish(Subjects.OcppMeterSampled, {
        stationId: 'C-1', connectorId: i + 1, transactionId: i + 1, timestamp: iso(clock.ms),
        samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }, { measurand: 'Power.Active.Import', value: 20_000, unit: 'W' }],
      });
    }
    const seen = async () => (await db.query(`SELECT count(*)::int AS n FROM connector_state WHERE station_id = 'C-1' AND energy_at = $1`, [new Date(clock.ms)]))[0].n === 2;
    expect(await eventually(seen)).toBe(true);
    await app.app.get(ComplianceService).sampleGroup('G-C');
  };

  beforeAll(async () => {
    app = await startTestApp({ loadConfig: loadPlannerConfig, createModule: (c, l) => AppModule.forRoot(c, l, clock), database: 'planner', env: { PLANNER_METER_SAMPLE_MS: '300000', PLANNER_TICK_MS: '600000' } });
    bus = app.app.get(EventPublisher);
    db = app.app.get(DataSource);
    expect((await api('PUT', '/api/v1/groups/G-C', { contractKw: 40, stations: [{ stationId: 'C-1', maxCurrentA: 32, connectorCount: 2 }] })).status).toBe(200);
    for (const c of [1, 2]) await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'C-1', connectorId: c, transactionId: c, idTag: `T${c}`, meterStartWh: 0, startedAt: iso(T0 - 10 * MIN) });
  });
  afterAll(() => app?.close());

  it('records a breached window, a compliant one, ignores a register reset, and reports the day', async () => {
    // 0–15 min: 2 × 5,250 Wh = 10.5 kWh against 40 kW × ¼ h = 10 kWh → breached.
    const steps: [number, [number, number]][] = [
      [0, [100_000, 50_000]],
      [5, [101_750, 51_750]],
      [10, [103_500, 53_500]],
      [15, [105_250, 55_250]],
      // 15–30 min: connector 2's register is reset (replaced meter) — its drop is not counted.
      [20, [106_500, 20]],
      [25, [107_750, 1_270]],
      [30, [109_000, 2_520]],
    ];
    for (const [minute, registers] of steps) {
      clock.ms = T0 + minute * MIN;
      await sample(registers);
    }
    const report = await api('GET', '/api/v1/groups/G-C/compliance?date=2026-12-04');
    expect(report.status).toBe(200);
    expect(report.body.windowMinutes).toBe(15);
    expect(report.body.windows.map((w) => [w['start'], w['allowedKwh'], w['measuredKwh'], w['compliant']])).toEqual([
      [iso(T0), 10, 10.5, false],
      // 3.75 kWh on connector 1 + 2.5 kWh on connector 2 after its reset (the 20 Wh reading is its new baseline).
      [iso(T0 + 15 * MIN), 10, 6.25, true],
    ]);
    expect(report.body.totals).toMatchObject({ windows: 2, evaluated: 2, breaches: 1 });
    expect(report.body.windows[0]['sources']).toEqual([{ kind: 'contract' }]);
    // A second sample in the same slot (another replica) changes nothing.
    await app.app.get(ComplianceService).sampleGroup('G-C');
    expect((await db.query(`SELECT count(*)::int AS n FROM group_meter_readings WHERE group_id = 'G-C'`))[0].n).toBe(7);
    // The unconstrained demand of the hour is kept for the daily request.
    expect((await db.query(`SELECT samples FROM demand_hourly WHERE group_id = 'G-C'`))[0].samples).toBe(7);
  });

  it('does not judge a window while a charging session is silent (its energy would land in a later window)', async () => {
    // 30–45 min: connector 2 (charging) sends nothing after minute 30; connector 1 keeps reporting.
    for (const minute of [35, 40, 45]) {
      clock.ms = T0 + minute * MIN;
      await bus.publish(Subjects.OcppMeterSampled, {
        stationId: 'C-1', connectorId: 1, transactionId: 1, timestamp: iso(clock.ms),
        samples: [{ measurand: 'Energy.Active.Import.Register', value: 109_000 + (minute - 30) * 250, unit: 'Wh' }],
      });
      expect(await eventually(async () => (await db.query(`SELECT 1 FROM connector_state WHERE station_id = 'C-1' AND connector_id = 1 AND energy_at = $1`, [new Date(clock.ms)])).length === 1)).toBe(true);
      await app.app.get(ComplianceService).sampleGroup('G-C');
    }
    const report = await api('GET', '/api/v1/groups/G-C/compliance?date=2026-12-04');
    expect(report.body.windows[2]).toMatchObject({ start: iso(T0 + 30 * MIN), measuredKwh: null, compliant: null });
    expect(report.body.totals).toMatchObject({ windows: 3, evaluated: 2, breaches: 1 });
  });

  it('answers 400 for a malformed date and 404 for an unknown group', async () => {
    expect((await api('GET', '/api/v1/groups/G-C/compliance?date=04-12-2026')).status).toBe(400);
    expect((await api('GET', '/api/v1/groups/G-C/compliance?date=2026-13-01')).status).toBe(400);
    expect((await api('GET', '/api/v1/groups/G-C/compliance?date=2026-02-31')).status).toBe(400);
    expect((await api('GET', '/api/v1/groups/NOPE/compliance')).status).toBe(404);
  });
});
