import { jest } from '@jest/globals';
import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { ChargingProfileRepository, type StationProfileRow } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import type { BuiltProfile } from '../src/smart-charging/profile-builder.js';
import { RunningTransactionCap } from '../src/smart-charging/running-transaction-cap.js';
import type { StationCapabilities } from '../src/stations/capabilities.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, publishPlanAt, smartChargingSuite } from './smart-charging-harness.js';

describe('smart charging review', () => {
  const suite = smartChargingSuite('SCREV');
  let h: OcppHarness;
  beforeAll(() => {
    h = suite.h();
  });
  const { online, row } = suite;

  const plan = (stationId: string, limits: [number, number][]) => constantPlan(stationId, limits);
  const publishPlan = (p: PlannerStationLimitsPlanned, occurredAt: Date) => publishPlanAt(h, p, occurredAt);

  const appliedPlan = async (stationId: string, id: number, planId: string) => {
    const r = await row(stationId, id);
    return r?.planId === planId && r.state === 'applied';
  };

  it('a pass that read an older plan and sends it after the newer one was applied leaves the charger on the newer plan', async () => {
    const { cp, holds } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const made = Date.now();
    const older = plan(cp.identity, [[1, 10]]);
    await publishPlan(older, new Date(made));
    expect(await eventually(() => appliedPlan(cp.identity, 101, older.planId))).toBe(true);
    const repository = h.app.app.get(ChargingProfileRepository);
    // What a retry pass (or renewal, or reconnect) read while the older plan was still to be sent.
    const staleRead: StationProfileRow[] = (await repository.forStation(cp.identity)).map((r) => ({ ...r, state: 'pending', due: 'unapplied' }));
    const newer = plan(cp.identity, [[1, 16]]);
    await publishPlan(newer, new Date(made + 1_000));
    expect(await eventually(() => appliedPlan(cp.identity, 101, newer.planId))).toBe(true);
    expect(holds(101)).toBe(16);
    // That pass only now gets to send: the charger replaces the newer profile with the older one.
    jest.spyOn(repository, 'forStation').mockResolvedValueOnce(staleRead);
    await h.app.app.get(LimitDispatcher).dispatch(cp.identity, { all: false, ctx: h.app.app.get(SessionRegistry).get(cp.identity) });
    expect(holds(101)).toBe(10);
    // The row must not claim the newer plan is applied while the charger holds the older: the retry sends it again.
    await h.app.app.get(ProfileRetry).run();
    expect(await eventually(() => appliedPlan(cp.identity, 101, newer.planId))).toBe(true);
    expect(holds(101)).toBe(16);
  });

  it('a boot on an open connection sends the lease fallback again with the lease (the restarted charger may have lost both)', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const p = plan(cp.identity, [[1, 16]]);
    await publishPlan(p, new Date());
    expect(await eventually(() => appliedPlan(cp.identity, 101, p.planId))).toBe(true);
    const sent = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id);
    expect(sent(201)).toHaveLength(1);
    expect(sent(101)[0]?.csChargingProfiles).toMatchObject({ stackLevel: 1, chargingSchedule: { duration: expect.any(Number) } });
    // The charger restarted behind a socket that stayed open: every profile goes again, the lease's fallback first.
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'SC' });
    expect(await eventually(() => sent(101).length === 2)).toBe(true);
    expect(sent(101)[1]?.csChargingProfiles).toMatchObject({ stackLevel: 1, chargingSchedule: { duration: expect.any(Number) } });
    expect(sent(201)).toHaveLength(2);
  });

  it("a running transaction's TxProfile of an older plan, sent after the newer plan's, is replaced by the newer one again", async () => {
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-REV', { status: 'Accepted' });
    const { cp, sets, holds } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const stations = h.app.app.get(StationRepository);
    // A charger known to apply a TxDefaultProfile to new transactions only: every limit also goes to the running one.
    await stations.learnCapabilities(cp.identity, { txDefaultSkipsRunningTransaction: true });
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-REV', meterStart: 0, timestamp: new Date().toISOString() });
    const made = Date.now();
    const older = plan(cp.identity, [[1, 10]]);
    await publishPlan(older, new Date(made));
    expect(await eventually(async () => (await appliedPlan(cp.identity, 101, older.planId)) && holds(301) === 10)).toBe(true);
    const olderRow = (await h.app.app.get(ChargingProfileRepository).forStation(cp.identity)).find((r) => r.chargingProfileId === 101)!;
    const olderSent: BuiltProfile = { connectorId: 1, profile: sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).at(-1)!.csChargingProfiles };
    const newer = plan(cp.identity, [[1, 16]]);
    await publishPlan(newer, new Date(made + 1_000));
    expect(await eventually(async () => (await appliedPlan(cp.identity, 101, newer.planId)) && holds(301) === 16)).toBe(true);
    // The older plan's pass gets to its running transaction only now (its checks come after all its profiles).
    const caps = (await stations.capabilities(cp.identity)) as StationCapabilities;
    await h.app.app.get(RunningTransactionCap).afterAccepted(cp.identity, olderRow, olderSent, caps, { ctx: h.app.app.get(SessionRegistry).get(cp.identity), renewal: false });
    expect(sets.at(-1)?.csChargingProfiles).toMatchObject({ chargingProfileId: 301, transactionId });
    expect(holds(301)).toBe(10);
    await h.app.app.get(ProfileRetry).run();
    expect(await eventually(async () => (await appliedPlan(cp.identity, 101, newer.planId)) && holds(301) === 16)).toBe(true);
  });

  it('a retry pass while a new plan is being sent waits for it: the profile goes out once and is reported applied once', async () => {
    const { cp, sets, behaviour } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    let release!: () => void;
    behaviour.hold = new Promise<void>((r) => (release = r));
    const setProfile = jest.spyOn(h.app.app.get(StationCaller), 'setProfile');
    const p = plan(cp.identity, [[1, 10]]);
    await publishPlan(p, new Date());
    expect(await eventually(() => sets.length === 1)).toBe(true);
    // The plan's profile is at the charger, unanswered; the retry pass finds the row still pending.
    const retry = h.app.app.get(ProfileRetry).run();
    // A second send would be issued at once; give it generous time to show (none is the expected outcome).
    await eventually(() => setProfile.mock.calls.length >= 2, 2_000);
    release();
    await retry;
    expect(await eventually(() => appliedPlan(cp.identity, 101, p.planId))).toBe(true);
    expect(sets).toHaveLength(1);
    expect(setProfile).toHaveBeenCalledTimes(1);
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length >= 1)).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(1);
  });
});
