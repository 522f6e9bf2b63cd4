import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { LeaseRenewal } from '../src/smart-charging/lease-renewal.js';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { api, send, startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, profileCharger, publishPlanAt, type ProfileChargerOptions } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

describe('smart charging: emulated cap, retries, plan order', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    // No background retry pass (the tests run it), a short timeout to play an unanswered CALL.
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_CALL_TIMEOUT_MS: '1000', OCPP_PROFILE_RETRY_MS: '3600000' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  const online = (keys: Record<string, string>, o: ProfileChargerOptions = {}) => onlineProfileCharger(h, chargers, keys, { prefix: 'SCFIX', ...o });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const row = async (stationId: string, id: number) => (await rows(stationId)).find((r) => r.chargingProfileId === id);

  const plan = constantPlan;
  const publishPlan = (p: PlannerStationLimitsPlanned, occurredAt: Date) => publishPlanAt(h, p, occurredAt);

  it('a charger refusing ChargePointMaxProfile stays within the cap on all connectors together, and is verified, not NotObeyed', async () => {
    // No NumberOfConnectors key: the cap is split over the connectors the plan names.
    const { cp, sets, limitNow } = await online({ ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlan(plan(cp.identity, [[0, 40], [1, 32], [2, 32]]), new Date());
    expect(await eventually(async () => (await rows(cp.identity)).length === 3 && (await rows(cp.identity)).every((r) => r.verification !== null))).toBe(true);
    expect(limitNow(1) + limitNow(2)).toBeLessThanOrEqual(40);
    expect((await rows(cp.identity)).map((r) => [r.chargingProfileId, r.state, r.verification])).toEqual([
      [1, 'applied', 'verified'],
      [101, 'applied', 'verified'],
      [102, 'applied', 'verified'],
    ]);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);
    // The cap as connector 0's default (20 A share), no lease under an emulated cap.
    const last = new Map(sets.map((s) => [s.csChargingProfiles.chargingProfileId, s.csChargingProfiles]));
    expect(last.get(99)?.chargingSchedule.chargingSchedulePeriod[0]?.limit).toBe(20);
    expect([...last.keys()].filter((id) => id >= 200)).toEqual([]);
  });

  it('a station cap refused after leased connector limits: every connector gets its share, without lease or fallback', async () => {
    const { cp, sets, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    // First connector limits only: leased, each with its fallback.
    await publishPlan(plan(cp.identity, [[1, 32], [2, 32]]), new Date(Date.now() - 1000));
    expect(await eventually(async () => (await rows(cp.identity)).filter((r) => r.state === 'applied').length === 2)).toBe(true);
    expect(sets.map((s) => s.csChargingProfiles.chargingProfileId)).toEqual(expect.arrayContaining([201, 202]));
    // Then a cap with connector 1 cut: its decrease goes before the cap, whose refusal is learned only then.
    await publishPlan(plan(cp.identity, [[0, 40], [1, 16]]), new Date());
    expect(await eventually(async () => (await rows(cp.identity)).length === 3 && (await rows(cp.identity)).every((r) => r.state === 'applied' && r.verification !== null))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([16, 20]);
    // Nothing lapses to a connector's own fallback above its share: no lease ends, no fallback left.
    const last = new Map(sets.map((s) => [s.csChargingProfiles.chargingProfileId, s.csChargingProfiles]));
    expect([last.get(101)?.chargingSchedule.duration, last.get(102)?.chargingSchedule.duration]).toEqual([undefined, undefined]);
    expect((await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/GetCompositeSchedule`, { connectorId: 2, duration: 86_400 })).body.payload.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 20, numberPhases: 3 },
    ]);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);
  });

  it('retries a lease renewal that timed out after several renewals, instead of letting the lease lapse', async () => {
    const { cp, sets, behaviour, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' });
    await publishPlan(plan(cp.identity, [[0, 40], [1, 16]]), new Date());
    expect(await eventually(async () => (await row(cp.identity, 101))?.state === 'applied')).toBe(true);
    const sets101 = () => sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).length;
    const renewOnce = async () => {
      const before = sets101();
      await h.db.query(`UPDATE charging_profiles SET applied_at = now() - interval '301 seconds' WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]);
      await h.app.app.get(LeaseRenewal).run();
      expect(await eventually(() => sets101() === before + 1)).toBe(true);
    };
    for (let i = 0; i < 4; i++) {
      await renewOnce();
      expect(await eventually(async () => (await row(cp.identity, 101))?.state === 'applied')).toBe(true);
    }
    // The fifth renewal gets no answer in time.
    let answer!: () => void;
    behaviour.hold = new Promise((r) => (answer = r));
    await renewOnce();
    // The lease accepted before still holds: the row stays applied, one try without an answer counted, no news.
    expect(await eventually(async () => (await h.db.query(`SELECT attempts FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]))[0]?.attempts === 1)).toBe(true);
    expect((await row(cp.identity, 101))?.state).toBe('applied');
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);
    answer();
    behaviour.hold = undefined;
    // The held renewal's answer now comes late and, within one call timeout, is recorded (applied at
    // that moment, the count reset): let it land first, or it moved the lease made due below out of
    // due (on a loaded CI machine the pass then sent nothing). Either way within 2.5 s.
    await eventually(async () => (await h.db.query(`SELECT attempts FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity]))[0]?.attempts === 0, 2_500);
    // The next renewal pass tries again (the row's lease is still due), and an answer starts the count again.
    await renewOnce();
    const [{ attempts }] = (await h.db.query(`SELECT attempts FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 101`, [cp.identity])) as { attempts: number }[];
    expect(attempts).toBe(0);
    expect(limitNow(1)).toBe(16);
  });

  it('a station rejected at boot gets no charging profile; its plan waits, failed, for an accepted boot', async () => {
    const c = profileCharger(h.wsUrl, { ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCFIX' });
    expect((await api(h, 'PUT', `/api/v1/stations/${c.cp.identity}`, { registrationStatus: 'Rejected' })).status).toBeLessThan(300);
    chargers.push(c.cp);
    void c.cp.start();
    await c.cp.waitOpen();
    expect(await send(c.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'SC' })).toMatchObject({ status: 'Rejected' });
    await publishPlan(plan(c.cp.identity, [[1, 16]]), new Date());
    expect(await eventually(async () => (await row(c.cp.identity, 101))?.state === 'failed')).toBe(true);
    expect(c.sets).toEqual([]);
  });

  it('never lets an older plan delivered late replace a newer one', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    const made = Date.now();
    const newer = plan(cp.identity, [[1, 10]]);
    await publishPlan(newer, new Date(made));
    expect(await eventually(async () => (await row(cp.identity, 101))?.planId === newer.planId && (await row(cp.identity, 101))?.state === 'applied')).toBe(true);
    // A plan made 30 s earlier arrives now (a redelivery, another replica, a replay): acknowledged, not applied.
    const older = plan(cp.identity, [[1, 32]]);
    const eventId = await publishPlan(older, new Date(made - 30_000));
    expect(await eventually(async () => ((await h.db.query(`SELECT 1 FROM inbox WHERE event_id = $1`, [eventId])) as unknown[]).length === 1)).toBe(true);
    await h.app.app.get(ProfileRetry).run();
    expect(await row(cp.identity, 101)).toMatchObject({ planId: newer.planId, state: 'applied' });
    expect(sets.map((s) => s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit)).toEqual([10]);
    // A plan made later still replaces it.
    const latest = plan(cp.identity, [[1, 16]]);
    await publishPlan(latest, new Date(made + 1_000));
    expect(await eventually(async () => (await row(cp.identity, 101))?.planId === latest.planId && (await row(cp.identity, 101))?.state === 'applied')).toBe(true);
  });
});
