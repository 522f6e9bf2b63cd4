import { eventually } from '@cpo/testing';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * A charger with a naive `multipleOf: 0.1` validator (16.2 refused, 16 taken; guide §1.11) that also
 * applies a changed TxDefaultProfile to new transactions only: the limit a running transaction gets
 * as its TxProfile must be in the form the charger takes, whichever step of the pass learned (or did
 * not yet learn) that it takes whole amperes only.
 */
describe('smart charging: whole amperes for the TxProfiles of running transactions', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCWHOLE', { status: 'Accepted' });
  });
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const capabilities = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body.capabilities as Record<string, unknown>;

  it("a refused connector plan held to its share in whole amperes: the share reaches the connector's running transaction whole too", async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, {
      prefix: 'SCWHOLE', refuseStationCap: true, refuseConnectorZeroDefault: true, refuseSeveralPeriods: true, newTransactionsOnly: true, naiveMultipleOf: true,
    });
    await h.app.app.get(StationRepository).learnCapabilities(c.cp.identity, { txDefaultSkipsRunningTransaction: true });
    await c.start(1, 'FLEET-SCWHOLE');
    await c.start(2, 'FLEET-SCWHOLE');
    // A 32.4 A cap: 16.2 A a connector. Connector 1's own plan has two periods (refused), connector 2's is 10 A.
    const plan = constantPlan(c.cp.identity, [[0, 32.4], [1, 20], [2, 10]]);
    plan.connectors[1]!.schedule.periods = [{ startPeriodS: 0, limit: 20 }, { startPeriodS: 2_400, limit: 4 }];
    await publishPlanAt(h, plan, new Date());
    const settled = async () => {
      const r = await rows(c.cp.identity);
      return r.find((x) => x.chargingProfileId === 1)?.planId === plan.planId && r.find((x) => x.chargingProfileId === 101)?.state === 'rejected' && r.find((x) => x.chargingProfileId === 102)?.state === 'applied';
    };
    expect(await eventually(settled)).toBe(true);
    await eventually(() => c.limitNow(1) === 16 && c.limitNow(2) === 10);
    // The session on connector 1 is held to its whole share (it kept 32 A if its TxProfile went out as 16.2).
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([16, 10]);
    expect(c.sets.filter((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile' && s.connectorId === 1).map((s) => s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit).at(-1)).toBe(16);
    expect(await capabilities(c.cp.identity)).toMatchObject({ wholeAmperesOnly: true });
  });

  it('an emulated cap (id 99) taken in whole amperes only: each running transaction gets its share whole', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCWHOLE', refuseStationCap: true, newTransactionsOnly: true, naiveMultipleOf: true });
    await h.app.app.get(StationRepository).learnCapabilities(c.cp.identity, { txDefaultSkipsRunningTransaction: true });
    await c.start(1, 'FLEET-SCWHOLE');
    await c.start(2, 'FLEET-SCWHOLE');
    const plan = constantPlan(c.cp.identity, [[0, 32.4]]);
    await publishPlanAt(h, plan, new Date());
    expect(await eventually(async () => (await rows(c.cp.identity)).some((x) => x.chargingProfileId === 1 && x.planId === plan.planId && x.state === 'applied'))).toBe(true);
    await eventually(() => c.limitNow(1) === 16 && c.limitNow(2) === 16);
    // Both sessions kept 32 A when their TxProfiles went out as 16.2.
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([16, 16]);
    expect(await capabilities(c.cp.identity)).toMatchObject({ wholeAmperesOnly: true });
  });

  it("the shares form learns whole amperes at the first share refused for its decimal: the later shares go whole at once", async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '3', ChargeProfileMaxStackLevel: '2' }, {
      prefix: 'SCWHOLE', refuseStationCap: true, refuseConnectorZeroDefault: true, naiveMultipleOf: true,
    });
    const plan = constantPlan(c.cp.identity, [[0, 48.6]]);
    await publishPlanAt(h, plan, new Date());
    expect(await eventually(async () => (await rows(c.cp.identity)).some((x) => x.chargingProfileId === 1 && x.planId === plan.planId && x.state === 'applied'))).toBe(true);
    expect([c.limitNow(1), c.limitNow(2), c.limitNow(3)]).toEqual([16, 16, 16]);
    const limits = (id: number) => c.sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).map((s) => s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit);
    // 16.2 A a connector: refused once, then whole; not once per connector.
    expect([limits(101), limits(102), limits(103)]).toEqual([[16.2, 16], [16], [16]]);
  });
});
