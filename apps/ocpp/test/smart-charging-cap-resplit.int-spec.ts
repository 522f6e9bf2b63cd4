import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { jest } from '@jest/globals';
import { eventually } from '@cpo/testing';
import { ChargingProfileRepository } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap is split evenly over the connectors we know of: one we learn of later (a
 * StatusNotification of a connector beyond `NumberOfConnectors` or the statuses so far, or a plan
 * naming it) must have every share sent again over the new count. Else the old shares plus the new
 * connector's (or its hardware maximum, 32 A here) exceed the cap.
 */
describe('smart charging: an emulated station cap split again when a connector appears', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCSTART', { status: 'Accepted' });
  });

  const online = (keys: Record<string, string>, o: ProfileChargerOptions) => onlineProfileCharger(h, chargers, keys, { prefix: 'SCSPLIT', ...o });
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const status = (cp: ChargePoint16, connectorId: number) => send(cp, 'StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
  // 40 A over three connectors, rounded down to the builder's 0.1 A.
  const third = Math.floor(400 / 3) / 10;

  it('through the connector-0 default (id 99): a status of connector 3 beyond NumberOfConnectors=2', async () => {
    const { cp, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([20, 20, 20]);
    await status(cp, 3);
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });

  it("through each connector's own profile: a status of connector 3 without NumberOfConnectors", async () => {
    const { cp, limitNow } = await online({ ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true, refuseConnectorZeroDefault: true });
    await status(cp, 1);
    await status(cp, 2);
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    // Connector 3 has no profile yet: its 32 A hardware maximum.
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([20, 20, 32]);
    await status(cp, 3);
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
    // A connector already known changes nothing.
    await status(cp, 2);
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([third, third, third]);
  });

  it('a plan naming a new connector, without a cap change, splits the cap again for the older connectors too', async () => {
    const { cp, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    await publishPlanAt(h, constantPlan(cp.identity, [[3, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [103]))).toBe(true);
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });

  it('statuses of several new connectors at once split the cap again in one pass or two, not one each', async () => {
    const { cp, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    const dispatch = jest.spyOn(h.app.app.get(LimitDispatcher), 'dispatch');
    await Promise.all([3, 4, 5].map((c) => status(cp, c)));
    expect(await eventually(() => [1, 2, 3, 4, 5].every((c) => limitNow(c) === 8), 5_000)).toBe(true);
    expect(dispatch.mock.calls.filter(([, o]) => o.resplit === true).length).toBeLessThanOrEqual(2);
  });

  it('a re-split pass that fails is tried again at the next status of the new connector', async () => {
    const { cp, limitNow } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    const read = jest.spyOn(h.app.app.get(ChargingProfileRepository), 'forStation').mockRejectedValueOnce(new Error('database unavailable'));
    await status(cp, 3);
    expect(await eventually(() => read.mock.calls.length > 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(limitNow(3)).toBe(20);
    await send(cp, 'StatusNotification', { connectorId: 3, status: 'Preparing', errorCode: 'NoError', timestamp: new Date().toISOString() });
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });

  it('a plan naming a new connector while a pass sends the cap over the old count: the cap is split again after it', async () => {
    const { cp, limitNow, behaviour, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { refuseStationCap: true });
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    // A new cap (refusal learned: split up front over 2), its answer held while the next plan is stored.
    let release!: () => void;
    behaviour.hold = new Promise<void>((r) => (release = r));
    const before = sets.length;
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40]]), new Date());
    expect(await eventually(() => sets.length > before)).toBe(true);
    await publishPlanAt(h, constantPlan(cp.identity, [[3, 32]]), new Date());
    expect(await eventually(async () => (await rows(cp.identity)).some((r) => r.chargingProfileId === 103))).toBe(true);
    release();
    expect(await eventually(() => settled(cp.identity, [1, 101, 103]))).toBe(true);
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });

  /**
   * A connector beyond the split of an emulated station cap may never send a status before its
   * session: firmware that sends StartTransaction first (or alone), a status lost in an offline
   * backlog or held back by MinimumStatusDuration. Its StartTransaction proves it exists as well as a
   * status: every share must be sent again over the new count. Else the
   * connector draws its 32 A hardware maximum beside the others' shares (each connector's own profile)
   * or a share of a split over too few (the connector-0 default, id 99).
   */
  const forms: [string, ProfileChargerOptions, number][] = [
    // Before: connector 3 under id 99's share of a split over 2.
    ['the connector-0 default (id 99)', { refuseStationCap: true }, 20],
    // Before: connector 3 under no profile at all, its hardware maximum.
    ["each connector's own profile", { refuseStationCap: true, refuseConnectorZeroDefault: true }, 32],
  ];
  it.each(forms)('a StartTransaction on connector 3 with no status of it, through %s', async (_form, o, before) => {
    const c = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, o);
    await status(c.cp, 1);
    await status(c.cp, 2);
    await publishPlanAt(h, constantPlan(c.cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    expect([c.limitNow(1), c.limitNow(2), c.limitNow(3)]).toEqual([20, 20, before]);
    await c.start(3, 'FLEET-SCSTART');
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === third), 5_000)).toBe(true);
  });
});
