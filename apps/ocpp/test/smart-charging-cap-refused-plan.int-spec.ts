import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null; applied: { chargingProfileId: number } | null };

/**
 * An emulated station cap (the charger refuses ChargePointMaxProfile) on a connector whose own plan
 * profile the charger refuses (here: a form of several periods): the cap must still hold there.
 */
describe('smart charging: an emulated station cap on a connector whose plan profile is refused', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(() => {
    h = service();
  });

  const online = (o: ProfileChargerOptions) =>
    onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCREF', refuseStationCap: true, refuseSeveralPeriods: true, ...o });
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  /** A plan of the cap and connector 1 stepping down after half an hour: two periods (also under the share), which the charger refuses. */
  const steppedPlan = (stationId: string, cap: number, steps: [number, number] = [32, 16]): PlannerStationLimitsPlanned => {
    const p = constantPlan(stationId, [[0, cap], [1, steps[0]]]);
    p.connectors[1]!.schedule.periods = [{ startPeriodS: 0, limit: steps[0] }, { startPeriodS: 2_400, limit: steps[1] }];
    return p;
  };

  it('a charger taking no connector-0 default holds the connector to its share through its own profile id', async () => {
    const { cp, sets, limitNow } = await online({ refuseConnectorZeroDefault: true });
    const p = steppedPlan(cp.identity, 40);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    // Refused, the plan profile left connector 1 under nothing: its 32 A hardware maximum, 52 A with connector 2's share.
    expect([limitNow(1), limitNow(2)]).toEqual([20, 20]);
    expect(sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).at(-1)).toMatchObject({
      connectorId: 1,
      csChargingProfiles: { chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] } },
    });
    expect((await rows(cp.identity)).map((r) => [r.chargingProfileId, r.state])).toEqual([
      [1, 'applied'],
      [101, 'rejected'],
    ]);
    const failed = h.events.of(Subjects.OcppChargingProfileFailed, cp.identity);
    expect(failed.map((e) => [e.connectorId, e.chargingProfileId, e.status, e.planId])).toEqual([[1, 101, 'Rejected', p.planId]]);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).map((e) => [e.connectorId, e.chargingProfileId, e.planId])).toEqual([[0, 1, p.planId]]);

    // A lower cap: connector 1's share follows it with the others'.
    const lower = steppedPlan(cp.identity, 30);
    await publishPlanAt(h, lower, new Date());
    expect(await eventually(async () => (await rows(cp.identity)).every((r) => r.planId === lower.planId) && (await settled(cp.identity, [1, 101])))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([15, 15]);

    // A plan the charger takes replaces the share in place.
    const one = constantPlan(cp.identity, [[0, 30], [1, 8]]);
    await publishPlanAt(h, one, new Date());
    expect(await eventually(async () => (await rows(cp.identity)).every((r) => r.planId === one.planId) && (await settled(cp.identity, [1, 101])))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([8, 15]);
    expect((await rows(cp.identity)).find((r) => r.chargingProfileId === 101)?.state).toBe('applied');
  });

  it('a charger taking the connector-0 default keeps no older, higher profile of the connector over it', async () => {
    const { cp, limitNow } = await online({});
    const first = constantPlan(cp.identity, [[0, 40], [1, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([20, 20]);
    // The cap halves; connector 1's new profile is refused: its old 20 A (the old share) must not stay.
    const p = steppedPlan(cp.identity, 20, [8, 4]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await rows(cp.identity)).every((r) => r.planId === p.planId) && (await settled(cp.identity, [1, 101])))).toBe(true);
    expect((await rows(cp.identity)).map((r) => [r.chargingProfileId, r.state])).toEqual([
      [1, 'applied'],
      [101, 'rejected'],
    ]);
    expect([limitNow(1), limitNow(2)]).toEqual([10, 10]);
  });
});
