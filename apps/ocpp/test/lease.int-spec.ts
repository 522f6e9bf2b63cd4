import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { LeaseRenewal } from '../src/smart-charging/lease-renewal.js';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** A charger with stack levels that installs what it accepts; `refuseLevelAbove0` plays firmware that only takes level 0 whatever it reports. */
function stackingCharger(url: string, o: { refuseLevelAbove0?: boolean; silent?: () => boolean } = {}) {
  const cp = new ChargePoint16({ identity: uniqueStation('LEASE'), url, reconnect: false });
  const calls: { action: string; req: Record<string, unknown> }[] = [];
  const installed: SmartCharging16.InstalledProfile[] = [];
  readOnlyConfiguration(cp, {
    NumberOfConnectors: '2',
    ChargeProfileMaxStackLevel: '2',
    ChargingScheduleAllowedChargingRateUnit: 'Current',
    ChargingScheduleMaxPeriods: '24',
  });
  cp.handle('SetChargingProfile', async (req) => {
    if (o.silent?.()) return new Promise<never>(() => undefined);
    calls.push({ action: 'SetChargingProfile', req: req as unknown as Record<string, unknown> });
    if (o.refuseLevelAbove0 && req.csChargingProfiles.stackLevel > 0) return { status: 'Rejected' };
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.csChargingProfiles.chargingProfileId);
    if (i >= 0) installed.splice(i, 1);
    installed.push({ connectorId: req.connectorId, profile: req.csChargingProfiles as SmartCharging16.ChargingProfile });
    return { status: 'Accepted' };
  });
  cp.handle('ClearChargingProfile', (req) => {
    calls.push({ action: 'ClearChargingProfile', req: req as unknown as Record<string, unknown> });
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.id);
    if (i < 0) return { status: 'Unknown' };
    installed.splice(i, 1);
    return { status: 'Accepted' };
  });
  cp.handle('GetCompositeSchedule', (req) => ({ status: 'Accepted', ...composite(installed, req.connectorId, new Date(), req.duration) }));
  /** What the installed profiles limit the connector to at `at`, by the charger alone (32 A hardware maximum). */
  const limitAt = (connectorId: number, at: Date) => composite(installed, connectorId, at, 60).chargingSchedule?.chargingSchedulePeriod[0]?.limit;
  return { cp, calls, installed, limitAt };
}

function composite(profiles: SmartCharging16.InstalledProfile[], connectorId: number, from: Date, durationS: number) {
  return SmartCharging16.compositeSchedule({ profiles, connectorId, from, durationS, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 } });
}

const sets = (calls: { action: string; req: Record<string, unknown> }[]) =>
  calls.map((c) => {
    if (c.action === 'ClearChargingProfile') return ['clear', c.req['id']];
    const p = (c.req as unknown as Req16<'SetChargingProfile'>).csChargingProfiles;
    // The schedule keeps the plan's second grid, so it starts up to a second more than a minute early: 900 s + 60 s + that second.
    const d = p.chargingSchedule.duration;
    return [p.chargingProfileId, p.stackLevel, p.chargingSchedule.chargingSchedulePeriod[0]!.limit, d === undefined ? null : d === 960 || d === 961 ? 'lease' : d];
  });

describe('leased connector limits (guide §3.3)', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_LEASE_FALLBACK_A: '6', OCPP_CALL_TIMEOUT_MS: '1500' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function online(o: { refuseLevelAbove0?: boolean; silent?: () => boolean } = {}) {
    const charger = stackingCharger(h.wsUrl, o);
    chargers.push(charger.cp);
    void charger.cp.start();
    await charger.cp.waitOpen();
    await send(charger.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S2' });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${charger.cp.identity}`)).body?.capabilities?.chargeProfileMaxStackLevel === 2)).toBe(true);
    return charger;
  }

  function plan(stationId: string): PlannerStationLimitsPlanned {
    const start = new Date(Date.now() - 600_000).toISOString();
    return {
      planId: crypto.randomUUID(), groupId: 'G1', stationId, reason: 'day_ahead', effectiveFrom: start,
      connectors: [
        { connectorId: 0, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 40 }] } },
        { connectorId: 1, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 16 }] } },
      ],
    };
  }

  it('puts the fallback under the leased profile, renews the lease without news, and the charger falls back by itself when renewals stop', async () => {
    const { cp, calls, limitAt } = await online();
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan(cp.identity));
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length === 2)).toBe(true);
    // The station cap (no end), then for connector 1 its fallback (level 0, 6 A, no end) before the lease (level 1, 16 A, ending 900 s from now).
    expect(sets(calls)).toEqual([[1, 0, 40, null], [201, 0, 6, null], [101, 1, 16, 'lease']]);
    expect(limitAt(1, new Date())).toBe(16);
    expect(limitAt(1, new Date(Date.now() + 1000_000))).toBe(6); // nobody renewed: the fallback

    // A third of the lease has passed: the renewal sends the same plan with a new end, no second fallback, no event.
    await h.db.query(`UPDATE charging_profiles SET applied_at = now() - interval '301 seconds' WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]);
    await h.app.app.get(LeaseRenewal).run();
    expect(sets(calls).slice(3)).toEqual([[101, 1, 16, 'lease']]);
    // Its end is a whole lease from the renewal.
    const renewed = (calls[3]!.req as unknown as Req16<'SetChargingProfile'>).csChargingProfiles.chargingSchedule;
    expect(Date.parse(renewed.startSchedule!) + renewed.duration! * 1000).toBeGreaterThanOrEqual(Date.now() + 895_000);
    const rows = (await api(h, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as { chargingProfileId: number; state: string }[];
    expect(rows.map((r) => [r.chargingProfileId, r.state])).toEqual([[1, 'applied'], [101, 'applied']]);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(2);
    // Renewed just now: nothing due.
    await h.app.app.get(LeaseRenewal).run();
    expect(calls).toHaveLength(4);
    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ocpp_charging_profile_dispatches_total\{outcome="renewed"[^}]*\} 1\n/);

    // A plan that has ended is not renewed: its profile just lapses.
    await h.db.query(
      `UPDATE charging_profiles SET applied_at = now() - interval '301 seconds', desired = jsonb_set(desired, '{schedule,durationS}', '300')
        WHERE station_id = $1 AND charging_profile_id = 101`,
      [cp.identity],
    );
    await h.app.app.get(LeaseRenewal).run();
    expect(calls).toHaveLength(4);
  });

  it('an unanswered renewal is no news while the lease it renews still holds; once that lease has run out it is', async () => {
    let silent = false;
    const { cp } = await online({ silent: () => silent });
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan(cp.identity));
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length === 2)).toBe(true);
    const row = async () => (await h.db.query(`SELECT state, attempts, last_result FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]))[0];

    silent = true;
    await h.db.query(`UPDATE charging_profiles SET applied_at = now() - interval '301 seconds' WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]);
    await h.app.app.get(LeaseRenewal).run();
    // The charger still applies the lease it accepted 301 s ago (599 s left): still applied, tried again by the next pass.
    expect(await row()).toMatchObject({ state: 'applied', attempts: 1, last_result: expect.stringMatching(/^Timeout/) });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);

    // The lease the charger holds has ended (the fallback is in force): a renewal left unanswered now is news.
    await h.db.query(
      `UPDATE charging_profiles SET applied = jsonb_set(applied, '{chargingSchedule,startSchedule}', to_jsonb(to_char((now() - interval '2000 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
        WHERE station_id = $1 AND charging_profile_id = 101`,
      [cp.identity],
    );
    await h.app.app.get(LeaseRenewal).run();
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileFailed, cp.identity).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)[0]).toMatchObject({ chargingProfileId: 101, status: 'Timeout' });
    expect(await row()).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('a charger that refuses level 1 gets the limit at level 0 without an end, then its fallback cleared', async () => {
    const { cp, calls, limitAt } = await online({ refuseLevelAbove0: true });
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan(cp.identity));
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length === 2)).toBe(true);
    // Not cleared first: the connector would have no limit of its own until the level-0 form is in place.
    expect(await eventually(() => calls.length === 5)).toBe(true);
    expect(sets(calls)).toEqual([[1, 0, 40, null], [201, 0, 6, null], [101, 1, 16, 'lease'], [101, 0, 16, null], ['clear', 201]]);
    expect(limitAt(1, new Date(Date.now() + 1000_000))).toBe(16);
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body.capabilities).toMatchObject({ onlyStackLevelZero: true });
  });
});
