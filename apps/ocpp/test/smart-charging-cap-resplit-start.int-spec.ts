import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; state: string; verification: string | null };

/**
 * A connector beyond the split of an emulated station cap may never send a status before its
 * session: firmware that sends StartTransaction first (or alone), a status lost in an offline
 * backlog or held back by MinimumStatusDuration. Its StartTransaction proves it exists as well as a
 * status: every share must be sent again over the new count. Else the
 * connector draws its 32 A hardware maximum beside the others' shares (each connector's own profile)
 * or a share of a split over too few (the connector-0 default, id 99).
 */
describe('smart charging: an emulated station cap split again when a session shows a connector that never reported', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCSTART', { status: 'Accepted' });
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const status = (cp: ChargePoint16, connectorId: number) => send(cp, 'StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
  // 40 A over three connectors, rounded down to the builder's 0.1 A.
  const third = Math.floor(400 / 3) / 10;

  const forms: [string, ProfileChargerOptions, number][] = [
    // Before: connector 3 under id 99's share of a split over 2.
    ['the connector-0 default (id 99)', { refuseStationCap: true }, 20],
    // Before: connector 3 under no profile at all, its hardware maximum.
    ["each connector's own profile", { refuseStationCap: true, refuseConnectorZeroDefault: true }, 32],
  ];
  it.each(forms)('a StartTransaction on connector 3 with no status of it, through %s', async (_form, o, before) => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSTART', ...o });
    await status(c.cp, 1);
    await status(c.cp, 2);
    await publishPlanAt(h, constantPlan(c.cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    expect([c.limitNow(1), c.limitNow(2), c.limitNow(3)]).toEqual([20, 20, before]);
    await c.start(3, 'FLEET-SCSTART');
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === third), 5_000)).toBe(true);
  });
});
