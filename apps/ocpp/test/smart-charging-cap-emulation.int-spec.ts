import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null; applied: { chargingProfileId: number } | null; inEffect: boolean };

/**
 * The station cap of a charger that refuses ChargePointMaxProfile and, like some firmware (guide
 * §3.1, lbbrhzn/ocpp#1851), any TxDefaultProfile on connector 0: the emulated cap (id 99) cannot
 * hold the connectors without a plan of their own, so each connector's share goes into its own
 * profile (100 + n).
 */
describe('smart charging: a station cap a charger takes on no connector-0 profile', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(() => {
    h = service();
  });

  const online = (keys: Record<string, string>, o: ProfileChargerOptions) => onlineProfileCharger(h, chargers, keys, { prefix: 'SCEMU', ...o });
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const row = async (stationId: string, id: number) => (await rows(stationId)).find((r) => r.chargingProfileId === id);
  const capabilities = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body.capabilities as Record<string, unknown>;
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const boot = { chargePointVendor: 'Acme', chargePointModel: 'SC' };
  const profileIds = (sets: { csChargingProfiles: { chargingProfileId: number } }[]) => [...new Set(sets.map((s) => s.csChargingProfiles.chargingProfileId))].sort((a, b) => a - b);

  it('holds a connector without a plan to its share through its own profile, learns the refusal once, replaces the shares in place, and forgets it on new firmware', async () => {
    const { cp, sets, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    const ids = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id);
    const p = constantPlan(cp.identity, [[0, 40], [1, 32]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    // Connector 2 has no plan: without its share it would draw its 32 A hardware maximum.
    expect([limitNow(1), limitNow(2)]).toEqual([20, 20]);
    expect(ids(102).at(-1)).toMatchObject({ connectorId: 2, csChargingProfiles: { chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] } } });
    expect(await capabilities(cp.identity)).toMatchObject({ chargePointMaxProfileRefused: true, connectorZeroDefaultRefused: true });
    expect((await rows(cp.identity)).map((r) => [r.chargingProfileId, r.state, r.verification?.split(':')[0], r.applied?.chargingProfileId, r.inEffect])).toEqual([
      [1, 'applied', 'verified', 102, true],
      [101, 'applied', 'verified', 101, true],
    ]);
    // One answer per plan connector: the cap as connector 0's, however many shares carry it.
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toEqual([]);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).map((e) => [e.connectorId, e.chargingProfileId, e.planId])).toEqual(
      expect.arrayContaining([
        [0, 1, p.planId],
        [1, 101, p.planId],
      ]),
    );
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(2);

    // Learned: the next pass sends the shares at once, no connector-0 form again.
    const before = { cap: ids(1).length, emulated: ids(99).length, share: ids(102).length };
    await send(cp, 'BootNotification', boot);
    expect(await eventually(() => ids(102).length > before.share)).toBe(true);
    await h.app.app.get(ProfileRetry).run();
    expect([ids(1).length, ids(99).length]).toEqual([before.cap, before.emulated]);

    // A new cap: every share replaced under its fixed id, nothing else installed.
    const lower = constantPlan(cp.identity, [[0, 30]]);
    await publishPlanAt(h, lower, new Date());
    expect(await eventually(async () => (await row(cp.identity, 1))?.planId === lower.planId && (await settled(cp.identity, [1, 101])))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([15, 15]);
    expect(profileIds(sets)).toEqual([1, 99, 101, 102]);

    // Another firmware may take connector-0 profiles: forgotten with the other refusals.
    await send(cp, 'BootNotification', { ...boot, firmwareVersion: '9.9.9' });
    expect(await capabilities(cp.identity)).not.toHaveProperty('connectorZeroDefaultRefused');
  });

  it("keeps a connector held to its share after its own plan's end", async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    const startMs = Date.now() - 600_000;
    const p = { ...constantPlan(cp.identity, [[0, 40], [1, 16]], startMs), validUntil: new Date(startMs + 3_600_000).toISOString() };
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    const own = sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).at(-1)!.csChargingProfiles.chargingSchedule;
    // The plan's 16 A until its end (an hour after its start, restarted a minute before now), then the 20 A share, no end.
    expect(own.duration).toBeUndefined();
    expect(own.chargingSchedulePeriod.map((x) => x.limit)).toEqual([16, 20]);
    expect(Date.parse(own.startSchedule!) + own.chargingSchedulePeriod[1]!.startPeriod * 1000).toBe(startMs + 3_600_000);
  });

  it('a charger that takes the emulated cap on connector 0 keeps it there: no share profile for a connector without a plan, nothing learned', async () => {
    const { cp, sets, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect(profileIds(sets)).toEqual([1, 99, 101]);
    expect([limitNow(1), limitNow(2)]).toEqual([20, 20]);
    expect(await capabilities(cp.identity)).not.toHaveProperty('connectorZeroDefaultRefused');
    expect((await row(cp.identity, 1))?.applied?.chargingProfileId).toBe(99);
  });

  it('a share refused ends the cap rejected, published once, and not retried until the next connection', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    // Connector 2 takes nothing at all (a broken socket): its share is refused.
    cp.handle('SetChargingProfile', (req) => {
      sets.push(req);
      return { status: req.connectorId === 1 ? 'Accepted' : 'Rejected' };
    });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(async () => (await row(cp.identity, 1))?.state === 'rejected')).toBe(true);
    const capFailed = () => h.events.of(Subjects.OcppChargingProfileFailed, cp.identity).filter((e) => e.connectorId === 0);
    expect(await eventually(() => capFailed().length === 1)).toBe(true);
    expect(capFailed()[0]).toMatchObject({ chargingProfileId: 1, status: 'Rejected' });
    const tries = sets.length;
    await h.app.app.get(ProfileRetry).run();
    expect(sets.length).toBe(tries);
  });
  it('a new firmware that takes the emulated cap on connector 0 has the old shares cleared: a connector-n profile would override the lower cap', async () => {
    const o: ProfileChargerOptions = { prefix: 'SCEMU', refuseStationCap: true, refuseConnectorZeroDefault: true };
    const { cp, sets, limitNow } = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, o);
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect(limitNow(2)).toBe(20);
    // The update fixed connector-0 defaults (not ChargePointMaxProfile): the refusal is forgotten and id 99 taken.
    o.refuseConnectorZeroDefault = false;
    await send(cp, 'BootNotification', { ...boot, firmwareVersion: '2.0.0' });
    expect(await eventually(async () => (await row(cp.identity, 1))?.applied?.chargingProfileId === 99 && (await settled(cp.identity, [1, 101])))).toBe(true);
    const lower = constantPlan(cp.identity, [[0, 14], [1, 32]]);
    await publishPlanAt(h, lower, new Date());
    expect(await eventually(async () => (await row(cp.identity, 1))?.planId === lower.planId && (await settled(cp.identity, [1, 101])))).toBe(true);
    // Connector 2 has no plan: the cap's 7 A share, not the old firmware's 20 A share still under id 102.
    expect(sets.filter((s) => s.csChargingProfiles.chargingProfileId === 99).at(-1)?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit).toBe(7);
    expect([limitNow(1), limitNow(2)]).toEqual([7, 7]);
  });

  it("an operator's ClearChargingProfile of a connector's share has the cap sent again at once, whichever share the cap row recorded", async () => {
    const { cp, limitNow } = await online({ NumberOfConnectors: '3', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    const p = constantPlan(cp.identity, [[0, 48], [1, 32]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect((await row(cp.identity, 1))?.applied?.chargingProfileId).toBe(102);
    expect(limitNow(3)).toBe(16);
    // Connector 3's share (not the one the cap row recorded): connector 3 now draws its 32 A maximum.
    const cleared = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ClearChargingProfile`, { id: 103 });
    expect(cleared.body.payload).toEqual({ status: 'Accepted' });
    expect(limitNow(3)).toBe(32);
    // The suite's retry pass runs hourly: the share must come back without it.
    expect(await eventually(async () => limitNow(3) === 16 && (await row(cp.identity, 1))?.state === 'applied', 3_000)).toBe(true);
  });

  it("with every connector planned, the cap (sent as no share) carries no share into a running transaction over the connector's own plan", async () => {
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCEMU', { status: 'Accepted' });
    const { cp, holds } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    await h.app.app.get(StationRepository).learnCapabilities(cp.identity, { txDefaultSkipsRunningTransaction: true });
    await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-SCEMU', meterStart: 0, timestamp: new Date().toISOString() });
    const first = constantPlan(cp.identity, [[0, 40], [1, 16], [2, 16]]);
    await publishPlanAt(h, first, new Date());
    // Every connector planned: nothing goes for the cap (each plan profile carries its share), so nothing of it is checked either.
    expect(await eventually(async () => (await settled(cp.identity, [101, 102])) && (await row(cp.identity, 1))?.state === 'applied' && holds(301) === 16)).toBe(true);
    // Connector 1's cut is the larger decrease: its profile goes before the cap's in the next pass.
    const cut = constantPlan(cp.identity, [[0, 36], [1, 6], [2, 16]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await row(cp.identity, 1))?.planId === cut.planId && (await settled(cp.identity, [101, 102])) && (await row(cp.identity, 1))?.state === 'applied')).toBe(true);
    // Give the cap's follow-up time to show (none is the expected outcome).
    await eventually(() => holds(301) !== 6, 1_000);
    expect(holds(301)).toBe(6);
  });
});
