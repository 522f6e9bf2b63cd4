import { randomUUID } from 'node:crypto';
import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { OcppCallError, type ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type CallErrorCode16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { api } from './harness.js';
import { constantPlan, publishPlanAt, smartChargingSuite } from './smart-charging-harness.js';

type Profile = Req16<'SetChargingProfile'>['csChargingProfiles'];

/**
 * Firmware validating `multipleOf: 0.1` as `x / 0.1` integral in binary floating point (guide §1.11):
 * 16.2, 12.7, 31.9 fail, whole amperes pass. It answers `Rejected`, or the CallError `error`; with
 * `refuseAll` it refuses every profile, with `onlyLevelZero` every one above stack level 0. It
 * installs what it accepts and reports it (32 A maximum).
 */
function naiveValidator(cp: ChargePoint16, o: { error?: CallErrorCode16; refuseAll?: boolean; onlyLevelZero?: boolean } = {}) {
  const sent: Req16<'SetChargingProfile'>[] = [];
  const installed: SmartCharging16.InstalledProfile[] = [];
  cp.handle('SetChargingProfile', (req) => {
    sent.push(req);
    const s = req.csChargingProfiles.chargingSchedule;
    const values = [...s.chargingSchedulePeriod.map((p) => p.limit), ...(s.minChargingRate === undefined ? [] : [s.minChargingRate])];
    if (o.onlyLevelZero && req.csChargingProfiles.stackLevel > 0) return { status: 'Rejected' };
    if (o.refuseAll || values.some((v) => !Number.isInteger(v / 0.1))) {
      if (o.error) throw new OcppCallError(o.error, 'limit: must be multiple of 0.1');
      return { status: 'Rejected' };
    }
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.csChargingProfiles.chargingProfileId);
    if (i >= 0) installed.splice(i, 1);
    installed.push({ connectorId: req.connectorId, profile: req.csChargingProfiles as SmartCharging16.ChargingProfile });
    return { status: 'Accepted' };
  });
  cp.handle('ClearChargingProfile', (req) => {
    const i = installed.findIndex((p) => p.profile.chargingProfileId === req.id);
    if (i < 0) return { status: 'Unknown' };
    installed.splice(i, 1);
    return { status: 'Accepted' };
  });
  cp.handle('GetCompositeSchedule', (req) => ({
    status: 'Accepted',
    ...SmartCharging16.compositeSchedule({ profiles: installed, connectorId: req.connectorId, from: new Date(), durationS: req.duration, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 } }),
  }));
  /** `id@level:limit,limit…` of each SetChargingProfile under `id`, in order. */
  const tries = (id: number) =>
    sent.filter((s) => s.csChargingProfiles.chargingProfileId === id).map((s) => `${id}@${s.csChargingProfiles.stackLevel}:${s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit).join(',')}`);
  const last = (id: number) => installed.find((p) => p.profile.chargingProfileId === id)?.profile as Profile | undefined;
  return { sent, tries, last };
}

/** The limit an Absolute profile sets at `at` (undefined before its start or after its end). */
function limitAt(profile: Profile | undefined, at: Date): number | undefined {
  if (!profile) return undefined;
  const s = profile.chargingSchedule;
  const elapsedS = (at.getTime() - Date.parse(s.startSchedule!)) / 1000;
  if (elapsedS < 0 || (s.duration !== undefined && elapsedS >= s.duration)) return undefined;
  return s.chargingSchedulePeriod.filter((p) => p.startPeriod <= elapsedS).at(-1)?.limit;
}

describe('grid limits on real chargers: a naive multipleOf validator, plans that start ahead', () => {
  const suite = smartChargingSuite('SCQUIRK');
  const { online, row } = suite;
  const rowOf = async (stationId: string, id: number) =>
    ((await api(suite.h(), 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as { chargingProfileId: number; planId: string; state: string; verification: string | null }[]).find(
      (r) => r.chargingProfileId === id,
    );
  const capabilities = async (stationId: string) => (await api(suite.h(), 'GET', `/api/v1/stations/${stationId}`)).body.capabilities as Record<string, unknown>;
  const applied = async (stationId: string, id: number, planId: string) => {
    const r = await row(stationId, id);
    return r?.planId === planId && r.state === 'applied';
  };

  it('a limit refused for its decimal goes again at once in whole amperes (lease kept), is applied and published, and the next plan goes out whole at once', async () => {
    const h = suite.h();
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const charger = naiveValidator(cp);
    const p = constantPlan(cp.identity, [[1, 16.2]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await applied(cp.identity, 101, p.planId)) && (await rowOf(cp.identity, 101))?.verification !== null)).toBe(true);
    // Rounded down (never above the plan), at the same level: the whole-ampere form goes before the level fallback.
    expect(charger.tries(101)).toEqual(['101@1:16.2', '101@1:16']);
    expect(limitAt(charger.last(101), new Date())).toBe(16);
    const [{ applied: kept }] = (await h.db.query(`SELECT applied FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity])) as { applied: Profile }[];
    expect(kept.chargingSchedule.chargingSchedulePeriod[0]!.limit).toBe(16);
    expect((await rowOf(cp.identity, 101))?.verification).toMatch(/^verified/);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toEqual([expect.objectContaining({ chargingProfileId: 101, planId: p.planId, stackLevel: 1 })]);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);
    expect(await capabilities(cp.identity)).toMatchObject({ wholeAmperesOnly: true });
    expect(await capabilities(cp.identity)).not.toHaveProperty('onlyStackLevelZero');

    const next = constantPlan(cp.identity, [[1, 12.7]]);
    await publishPlanAt(h, next, new Date());
    expect(await eventually(() => applied(cp.identity, 101, next.planId))).toBe(true);
    expect(charger.tries(101).slice(2)).toEqual(['101@1:12']);
  });

  it("a station cap refused for its decimal is applied whole as the ChargePointMaxProfile, not emulated; a CallError refusal counts too", async () => {
    const h = suite.h();
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const charger = naiveValidator(cp);
    const p = constantPlan(cp.identity, [[0, 31.9]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => applied(cp.identity, 1, p.planId))).toBe(true);
    expect(charger.tries(1)).toEqual(['1@0:31.9', '1@0:31']);
    expect(charger.tries(99)).toEqual([]);
    expect(await capabilities(cp.identity)).not.toHaveProperty('chargePointMaxProfileRefused');

    const other = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const strict = naiveValidator(other.cp, { error: 'PropertyConstraintViolation' });
    const q = constantPlan(other.cp.identity, [[1, 8.1]]);
    await publishPlanAt(h, q, new Date());
    expect(await eventually(() => applied(other.cp.identity, 101, q.planId))).toBe(true);
    expect(strict.tries(101)).toEqual(['101@0:8.1', '101@0:8']);
    expect(await capabilities(other.cp.identity)).toMatchObject({ wholeAmperesOnly: true });
  });

  it('a charger with both quirks (stack level 0 only, naive multipleOf) learns both, and the lease fallback goes', async () => {
    const h = suite.h();
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const charger = naiveValidator(cp, { onlyLevelZero: true });
    const p = constantPlan(cp.identity, [[1, 16.2]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => applied(cp.identity, 101, p.planId))).toBe(true);
    // 16 refused at level 1 too: not (only) the decimal; 16.2 refused at level 0 too: not (only) the level.
    expect(charger.tries(101)).toEqual(['101@1:16.2', '101@1:16', '101@0:16.2', '101@0:16']);
    expect(await eventually(() => charger.last(201) === undefined)).toBe(true);
    expect(await capabilities(cp.identity)).toMatchObject({ wholeAmperesOnly: true, onlyStackLevelZero: true });
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toEqual([expect.objectContaining({ chargingProfileId: 101, stackLevel: 0 })]);
  });

  it('a charger refusing everything ends rejected as before, after a bounded number of tries, and learns nothing', async () => {
    const h = suite.h();
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const charger = naiveValidator(cp, { refuseAll: true });
    const p = constantPlan(cp.identity, [[1, 16.2]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await row(cp.identity, 101))?.state === 'rejected')).toBe(true);
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileFailed, cp.identity).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)[0]).toMatchObject({ chargingProfileId: 101, status: 'Rejected' });
    // Each form once in whole amperes too: level 1, then level 0.
    expect(charger.tries(101)).toEqual(['101@1:16.2', '101@1:16', '101@0:16.2', '101@0:16']);
    await h.app.app.get(ProfileRetry).run();
    await new Promise((r) => setTimeout(r, 500));
    expect(charger.tries(101)).toHaveLength(4);
    const caps = await capabilities(cp.identity);
    expect(caps).not.toHaveProperty('wholeAmperesOnly');
    expect(caps).not.toHaveProperty('onlyStackLevelZero');
  });

  it('a plan starting ten minutes ahead: the charger holds the previous limit until its start, then the new one, and the check finds it obeyed', async () => {
    const h = suite.h();
    const { cp } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    const charger = naiveValidator(cp);
    const first = constantPlan(cp.identity, [[0, 40], [1, 16]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(async () => (await applied(cp.identity, 1, first.planId)) && (await applied(cp.identity, 101, first.planId)))).toBe(true);

    const startMs = Date.now() + 600_000;
    const startSchedule = new Date(startMs).toISOString();
    const ahead: PlannerStationLimitsPlanned = {
      planId: randomUUID(), groupId: 'G1', stationId: cp.identity, reason: 'day_ahead', effectiveFrom: startSchedule,
      connectors: [
        { connectorId: 0, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 32 }] } },
        { connectorId: 1, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10 }] } },
        // No limit known for connector 2 yet: the plan's lowest until it starts.
        { connectorId: 2, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 20 }, { startPeriodS: 600, limit: 12 }] } },
      ],
    };
    await publishPlanAt(h, ahead, new Date());
    const ids = [1, 101, 102];
    expect(await eventually(async () => (await Promise.all(ids.map(async (id) => (await applied(cp.identity, id, ahead.planId)) && (await rowOf(cp.identity, id))?.verification !== null))).every(Boolean))).toBe(true);
    const now = new Date();
    expect(ids.map((id) => limitAt(charger.last(id), now))).toEqual([40, 16, 12]);
    expect(ids.map((id) => limitAt(charger.last(id), new Date(startMs)))).toEqual([32, 10, 20]);
    expect(ids.map((id) => limitAt(charger.last(id), new Date(startMs + 600_000)))).toEqual([32, 10, 12]);
    // What the charger reports in effect now is what we expect now: obeyed, not "sets no limit now".
    for (const id of [101, 102]) expect((await rowOf(cp.identity, id))?.verification).toMatch(/^verified/);
  });
});
