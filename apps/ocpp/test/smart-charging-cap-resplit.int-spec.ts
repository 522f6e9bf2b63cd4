import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt, type ProfileChargerOptions } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap is split evenly over the connectors we know of: one we learn of later (a
 * StatusNotification of a connector beyond `NumberOfConnectors` or the statuses so far, or a plan
 * naming it) must have every share sent again over the new count. Else the old shares plus the new
 * connector's (or its hardware maximum, 32 A here) exceed the cap.
 */
describe('smart charging: an emulated station cap split again when a connector appears', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
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
});
