import { randomUUID } from 'node:crypto';
import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

type Row = { chargingProfileId: number; state: string; applied: unknown };

/** A charger that keeps the profiles it accepts (by id) and clears them like the spec says (by id, else the criteria ANDed). */
function charger(url: string, keys: Record<string, string>) {
  const cp = new ChargePoint16({ identity: uniqueStation('EFX'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  const installed = new Map<number, Req16<'SetChargingProfile'>>();
  readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24', ...keys });
  cp.handle('SetChargingProfile', (req) => {
    sets.push(req);
    installed.set(req.csChargingProfiles.chargingProfileId, req);
    return { status: 'Accepted' };
  });
  cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
  cp.handle('ClearChargingProfile', (req) => {
    const hit = [...installed.values()].filter((p) =>
      req.id !== undefined
        ? p.csChargingProfiles.chargingProfileId === req.id
        : (req.connectorId === undefined || p.connectorId === req.connectorId) &&
          (req.chargingProfilePurpose === undefined || p.csChargingProfiles.chargingProfilePurpose === req.chargingProfilePurpose) &&
          (req.stackLevel === undefined || p.csChargingProfiles.stackLevel === req.stackLevel),
    );
    for (const p of hit) installed.delete(p.csChargingProfiles.chargingProfileId);
    return { status: hit.length > 0 ? 'Accepted' : 'Unknown' };
  });
  return { cp, sets, installed };
}

/**
 * A ClearChargingProfile answered `Unknown` that names a grid-limit profile (by id, or by criteria
 * covering it): the charger does not hold what we recorded applied (lost on its own, e.g. a firmware
 * update that kept the socket); it is pending again and sent again at once, as after a clear.
 */
describe('a ClearChargingProfile answered Unknown for a grid-limit profile', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    // The retry pass runs only when a test asks for it.
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_CALL_TIMEOUT_MS: '1500', OCPP_PROFILE_RETRY_MS: '3600000' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function online(keys: Record<string, string>) {
    const c = charger(h.wsUrl, keys);
    chargers.push(c.cp);
    void c.cp.start();
    await c.cp.waitOpen();
    await send(c.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'FX' });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${c.cp.identity}`)).body?.capabilities?.allowedChargingRateUnits !== undefined)).toBe(true);
    return c;
  }

  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const states = async (stationId: string) => (await rows(stationId)).map((r) => [r.chargingProfileId, r.state]);

  async function planned(stationId: string, limits: [number, number][]): Promise<void> {
    const startSchedule = new Date(Date.now() - 600_000).toISOString();
    const plan: PlannerStationLimitsPlanned = {
      planId: randomUUID(), groupId: 'G1', stationId, reason: 'allocation', effectiveFrom: startSchedule,
      connectors: limits.map(([connectorId, limit]) => ({ connectorId, schedule: { startSchedule, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit }] } })),
    };
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan);
    expect(await eventually(async () => (await rows(stationId)).length === limits.length && (await rows(stationId)).every((r) => r.state === 'applied'))).toBe(true);
  }

  const sent = (sets: Req16<'SetChargingProfile'>[], id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).length;

  it.each([
    ['by its id', { id: 101 }],
    ['by a connector, purpose and stack level covering it', { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0 }],
  ])('%s: only the grid profile the charger lost is sent again', async (_name, clear) => {
    const { cp, sets, installed } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    await planned(cp.identity, [[0, 40], [1, 16]]);
    expect([...installed.keys()].sort()).toEqual([1, 101]);
    installed.delete(101);
    expect((await command(cp.identity, 'ClearChargingProfile', clear)).body.payload).toEqual({ status: 'Unknown' });
    expect(await eventually(async () => sent(sets, 101) === 2 && installed.has(101) && (await states(cp.identity)).every(([, state]) => state === 'applied'))).toBe(true);
    expect(sent(sets, 1)).toBe(1);
  });

  it('one naming none of them (another purpose) sends nothing again', async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '0' });
    await planned(cp.identity, [[0, 40], [1, 16]]);
    expect((await command(cp.identity, 'ClearChargingProfile', { chargingProfilePurpose: 'TxProfile' })).body.payload).toEqual({ status: 'Unknown' });
    expect(await states(cp.identity)).toEqual([[1, 'applied'], [101, 'applied']]);
    expect(sets.length).toBe(2);
  });
});
