import { eventually } from '@cpo/testing';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap (the charger refuses ChargePointMaxProfile) on a charger that applies a
 * changed TxDefaultProfile to new transactions only (`txDefaultSkipsRunningTransaction`): every
 * connector's share, whether in id 99 or in the connector's own 100 + n, must reach the transaction
 * running there as its TxProfile (300 + n), or the session keeps the limits it started with.
 */
describe('smart charging: an emulated station cap on running transactions of a charger applying TxDefaultProfile to new ones only', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCRTX', { status: 'Accepted' });
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, planId: string) => {
    const cap = (await rows(stationId)).find((r) => r.chargingProfileId === 1);
    return cap?.planId === planId && cap.state === 'applied' && cap.verification !== null;
  };

  it.each<[string, ProfileChargerOptions]>([
    ['the connector-0 default (id 99)', {}],
    ['each connector its own share (connector 0 refusing id 99)', { refuseConnectorZeroDefault: true }],
  ])('holds both running transactions to their share of a 40 A then a 20 A cap, with %s', async (_form, o) => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCRTX', refuseStationCap: true, newTransactionsOnly: true, ...o });
    await h.app.app.get(StationRepository).learnCapabilities(c.cp.identity, { txDefaultSkipsRunningTransaction: true });
    await c.start(1, 'FLEET-SCRTX');
    await c.start(2, 'FLEET-SCRTX');
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([32, 32]);

    const first = constantPlan(c.cp.identity, [[0, 40]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(c.cp.identity, first.planId))).toBe(true);
    await eventually(() => c.limitNow(1) === 20 && c.limitNow(2) === 20); // the pass's TxProfiles follow the cap's settling
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([20, 20]);

    const lower = constantPlan(c.cp.identity, [[0, 20]]);
    await publishPlanAt(h, lower, new Date());
    expect(await eventually(() => settled(c.cp.identity, lower.planId))).toBe(true);
    await eventually(() => c.limitNow(1) === 10 && c.limitNow(2) === 10); // the pass's TxProfiles follow the cap's settling
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([10, 10]);
    expect((await rows(c.cp.identity)).find((r) => r.chargingProfileId === 1)?.verification).toMatch(/^verified/);
  });

  it.each<[string, ProfileChargerOptions]>([
    ['id 99 (its older profile cleared)', {}],
    ['its own share', { refuseConnectorZeroDefault: true }],
  ])("holds a running transaction whose connector's plan the charger refuses to the lower cap's share, with %s", async (_form, o) => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCRTX', refuseStationCap: true, refuseSeveralPeriods: true, newTransactionsOnly: true, ...o });
    await h.app.app.get(StationRepository).learnCapabilities(c.cp.identity, { txDefaultSkipsRunningTransaction: true });
    await c.start(1, 'FLEET-SCRTX');
    await c.start(2, 'FLEET-SCRTX');
    const first = constantPlan(c.cp.identity, [[0, 40], [1, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(c.cp.identity, first.planId))).toBe(true);
    await eventually(() => c.limitNow(1) === 20 && c.limitNow(2) === 20); // the pass's TxProfiles follow the cap's settling
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([20, 20]);
    // The cap halves; connector 1's new plan has two periods, which the charger refuses.
    const lower = constantPlan(c.cp.identity, [[0, 20], [1, 8]]);
    lower.connectors[1]!.schedule.periods = [{ startPeriodS: 0, limit: 8 }, { startPeriodS: 2_400, limit: 4 }];
    await publishPlanAt(h, lower, new Date());
    expect(await eventually(async () => (await settled(c.cp.identity, lower.planId)) && (await rows(c.cp.identity)).find((r) => r.chargingProfileId === 101)?.state === 'rejected')).toBe(true);
    await eventually(() => c.limitNow(1) === 10 && c.limitNow(2) === 10); // the pass's TxProfiles follow the cap's settling
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([10, 10]);
  });
});
