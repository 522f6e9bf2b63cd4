import { eventually } from '@cpo/testing';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null; applied: { chargingProfileId: number } | null };

/**
 * The order of one pass's sends under an emulated station cap: what the charger allows its
 * connectors, watched after every profile it installs or clears, never rises above what it allowed
 * before a pass that only lowers, nor above the cap.
 */
describe('smart charging: the order of an emulated cap pass', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(() => {
    h = service();
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, planId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.planId === planId && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const boot = { chargePointVendor: 'Acme', chargePointModel: 'SC' };

  it('a new firmware taking ChargePointMaxProfile gets it before the connectors lose their shares', async () => {
    const o: ProfileChargerOptions = { prefix: 'SCORD', refuseStationCap: true };
    const { cp, behaviour, limitNow, stationCap } = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, o);
    const p = constantPlan(cp.identity, [[0, 40], [1, 32], [2, 32]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, p.planId, [1, 101, 102]))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([20, 20]);
    // What the charger lets both connectors draw together, after each change.
    const sums: number[] = [];
    behaviour.changed = () => sums.push(Math.min(stationCap() ?? Infinity, limitNow(1) + limitNow(2)));
    o.refuseStationCap = false;
    await send(cp, 'BootNotification', { ...boot, firmwareVersion: '2.0.0' });
    expect(await eventually(async () => (await rows(cp.identity)).find((r) => r.chargingProfileId === 1)?.applied?.chargingProfileId === 1 && (await settled(cp.identity, p.planId, [1, 101, 102])))).toBe(true);
    // Each connector's plan (32 A) sent before the cap itself: 52 A, then 64 A, under a 40 A cap.
    expect(sums.length).toBeGreaterThan(0);
    expect(Math.max(...sums)).toBeLessThanOrEqual(40);
  });

  it("a connector's refused plan under a lower cap is not lifted to the old default before the cap goes", async () => {
    const { cp, behaviour, limitNow } = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCORD', refuseStationCap: true, refuseSeveralPeriods: true });
    const first = constantPlan(cp.identity, [[0, 40], [1, 16]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(cp.identity, first.planId, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([16, 20]);
    const seen: [number, number][] = [];
    behaviour.changed = () => seen.push([limitNow(1), limitNow(2)]);
    // The cap halves and connector 1's plan drops further, in a form the charger refuses.
    const p = constantPlan(cp.identity, [[0, 20], [1, 4]]);
    p.connectors[1]!.schedule.periods = [{ startPeriodS: 0, limit: 4 }, { startPeriodS: 2_400, limit: 2 }];
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => settled(cp.identity, p.planId, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2)]).toEqual([10, 10]);
    // Every change only lowers: connector 1 cleared while id 99 still held the old 20 A share rose from 16 A to 20 A (40 A under a 20 A cap).
    expect(seen.map(([a]) => a).every((a) => a <= 16)).toBe(true);
    expect(seen.map(([a, b]) => a + b).every((s) => s <= 36)).toBe(true);
  });
});
