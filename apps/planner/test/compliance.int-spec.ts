import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually, startTestApp, type TestApp } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { ComplianceService } from '../src/compliance-windows/compliance.service.js';
import { ComplianceWatchService } from '../src/compliance/compliance-watch.service.js';
import { loadPlannerConfig, type PlannerConfig } from '../src/config.js';

const KEY = { 'x-api-key': 'test-operator-key-0123456789', 'content-type': 'application/json' };
/** 2026-12-04 12:00 Asia/Taipei, on the quarter-hour grid. */
const T0 = Date.parse('2026-12-04T12:00:00+08:00');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON from the API under test
type Json = any;

describe('planner: the compliance window in progress (budget, projection, stale meters, adaptive margin)', () => {
  let app: TestApp<PlannerConfig>;
  const clock = { ms: T0 - 10 * MIN, now: () => clock.ms };
  let bus: EventPublisher;
  let db: DataSource;

  const get = async (path: string): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${app.baseUrl}${path}`, { headers: KEY });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  const current = async () => (await get('/api/v1/groups/G-W/compliance/current')).body;
  /** Both connectors report their energy registers and power at the clock's time. */
  const meter = async (registers: [number, number], powerW: number) => {
    for (const [i, wh] of registers.entries()) {
      await bus.publish(Subjects.OcppMeterSampled, {
        stationId: 'W-1', connectorId: i + 1, transactionId: i + 1, timestamp: iso(clock.ms),
        samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }, { measurand: 'Power.Active.Import', value: powerW, unit: 'W' }],
      });
    }
    const seen = async () => (await db.query(`SELECT count(*)::int AS n FROM connector_state WHERE station_id = 'W-1' AND energy_at = $1`, [new Date(clock.ms)]))[0].n === 2;
    expect(await eventually(seen)).toBe(true);
  };
  /** The compliance sampler takes the group register reading of this minute (and judges ended windows). */
  const sample = () => app.app.get(ComplianceService).sampleGroup('G-W');

  beforeAll(async () => {
    app = await startTestApp({
      loadConfig: loadPlannerConfig,
      createModule: (c, l) => AppModule.forRoot(c, l, clock),
      database: 'planner',
      // Timers out of the way: the test samples and refreshes itself, at the times it chooses.
      env: { PLANNER_METER_SAMPLE_MS: '300000', PLANNER_TICK_MS: '600000', PLANNER_METER_STALE_S: '120' },
    });
    bus = app.app.get(EventPublisher);
    db = app.app.get(DataSource);
    const put = await fetch(`${app.baseUrl}/api/v1/groups/G-W`, {
      method: 'PUT', headers: KEY,
      body: JSON.stringify({ contractKw: 40, safetyMargin: 0.05, stations: [{ stationId: 'W-1', maxCurrentA: 32, connectorCount: 2 }] }),
    });
    expect(put.status).toBe(200);
    for (const c of [1, 2]) await bus.publish(Subjects.OcppTransactionStarted, { stationId: 'W-1', connectorId: c, transactionId: c, idTag: `T${c}`, meterStartWh: 0, startedAt: iso(clock.ms) });
    expect(await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM connector_state WHERE station_id = 'W-1' AND transaction_id IS NOT NULL`))[0].n === 2)).toBe(true);
  });
  afterAll(() => app?.close());

  it('projects the window at the present power against (1 − m)·∫L dt and says when it is at risk', async () => {
    clock.ms = T0;
    await meter([100_000, 50_000], 18_000);
    await sample();
    clock.ms = T0 + 5 * MIN;
    await meter([101_500, 51_500], 18_000);
    await sample();
    // 3 kWh used; 36 kW for the remaining 10 min → 9 kWh, within 0.95 × 10 kWh.
    expect(await current()).toMatchObject({
      window: { start: iso(T0), end: iso(T0 + 15 * MIN) },
      status: 'ok', limitNowKw: 40, allowedKwh: 10, budgetKwh: 9.5, usedKwh: 3, projectedKwh: 9, powerNowKw: 36, headroomKw: 39, margin: 0.05, meterAgeS: 0,
    });

    // A minute later both cars draw 21 kW: 3 + 42 kW × 10 min = 10 kWh > 9.5 kWh.
    clock.ms = T0 + 6 * MIN;
    await meter([101_800, 51_800], 21_000);
    const risky = await current();
    expect(risky).toMatchObject({ status: 'at_risk', usedKwh: 3, projectedKwh: 10, powerNowKw: 42 });
    expect(risky.reason).toContain('above the budget');

    // The same figures are exported per group.
    await app.app.get(ComplianceWatchService).refreshAll();
    const metrics: string = (await get('/metrics')).body;
    // Sample lines carry the app's default labels after ours.
    const value = (series: string) => new RegExp(`^${series.replace(/[{}]/g, '\\$&').replace(/"$/, '"[^}]*')}\\} (\\S+)$`, 'm').exec(metrics)?.[1];
    expect(value('planner_compliance_window_status{group="G-W",status="at_risk"')).toBe('1');
    expect(value('planner_compliance_window_status{group="G-W",status="ok"')).toBe('0');
    expect(value('planner_compliance_window_projected_wh{group="G-W"')).toBe('10000');
    expect(value('planner_compliance_window_budget_wh{group="G-W"')).toBe('9500');
    expect(value('planner_compliance_window_headroom_watts{group="G-W"')).toBe('39000');
    expect(value('planner_group_margin_ratio{group="G-W"')).toBe('0.05');
  });

  it('integrates an emergency that steps the limit inside the window', async () => {
    await bus.publish(Subjects.CapacityForecastReceived, {
      partnerId: 'elmo', groupId: 'G-W', requestId: 'emergency-1', forecastType: 'CONSUMPTION', kind: 'emergency', receivedAt: iso(clock.ms),
      blocks: [{ startTime: iso(T0 + 10 * MIN), endTime: iso(T0 + 15 * MIN), powerW: 10_000, phase: 'ALL' }],
    });
    // 40 kW × 10 min + 10 kW × 5 min = 7.5 kWh.
    expect(await eventually(async () => (await current()).allowedKwh === 7.5)).toBe(true);
    expect(await current()).toMatchObject({ status: 'at_risk', limitNowKw: 40, budgetKwh: 7.125 });
  });

  it('does not claim anything while a session’s meter is stale', async () => {
    // Last registers at minute 6; at minute 9 they are 180 s old (stale after 120 s).
    clock.ms = T0 + 9 * MIN;
    const stale = await current();
    expect(stale).toMatchObject({ status: 'unknown', meterAgeS: 180, usedKwh: null, projectedKwh: null });
    expect(stale.reason).toContain('180 s old');
  });

  it('raises the margin by two points after a breached window', async () => {
    // 9.2 kWh in the window against 7.5 kWh allowed: the sampler judges it breached.
    clock.ms = T0 + 15 * MIN;
    await meter([104_600, 54_600], 18_000);
    await sample();
    const judged = await db.query(`SELECT compliant FROM compliance_windows WHERE group_id = 'G-W' AND window_start = $1`, [new Date(T0)]);
    expect(judged).toEqual([{ compliant: false }]);
    clock.ms = T0 + 16 * MIN;
    await meter([104_900, 54_900], 18_000);
    const next = await current();
    expect(next).toMatchObject({ window: { start: iso(T0 + 15 * MIN) }, baseMargin: 0.05, margin: 0.07, status: 'ok', usedKwh: 0, projectedKwh: 9 });
    // (1 − 0.07) × 10 kWh: the window after the emergency is back at 40 kW.
    expect(next.budgetKwh).toBeCloseTo(9.3, 6);
  });

  it('answers 404 for an unknown group', async () => {
    expect((await get('/api/v1/groups/NOPE/compliance/current')).status).toBe(404);
  });
});
