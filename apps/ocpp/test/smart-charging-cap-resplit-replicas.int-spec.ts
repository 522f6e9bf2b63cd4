import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, send } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingReplicas } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; state: string; verification: string | null };

/**
 * An emulated station cap first split by a pass on a replica that does not hold the charger's
 * socket (a plan consumed there): the replica holding it compares each StatusNotification with a
 * count it never computed itself. A connector beyond that split must still have the shares sent again.
 */
describe('smart charging: an emulated cap split on another replica, split again when a connector appears', () => {
  const { a, b, chargers } = smartChargingReplicas();

  const rows = async (stationId: string) => (await api(a(), 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const status = (cp: ChargePoint16, connectorId: number) => send(cp, 'StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });

  it('a status of connector 3 on the socket replica after B split the cap over 2', async () => {
    const { cp, limitNow } = await onlineProfileCharger(a(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSPLITR', refuseStationCap: true });
    await (await planOn(b(), cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([20, 20, 20]);
    await status(cp, 3);
    const third = Math.floor(400 / 3) / 10;
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });

  it("a session on connector 3 that never sent a status: a later pass on B splits over 3 too (the socket replica's count is not the only one)", async () => {
    await api(a(), 'PUT', '/api/v1/id-tags/FLEET-SCSPLITR', { status: 'Accepted' });
    const c = await onlineProfileCharger(a(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSPLITR', refuseStationCap: true });
    await status(c.cp, 1);
    await status(c.cp, 2);
    await (await planOn(b(), c.cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    await c.start(3, 'FLEET-SCSPLITR');
    const third = Math.floor(400 / 3) / 10;
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === third), 5_000)).toBe(true);
    // A lower cap through B, which never saw connector 3: 30 A over 3, not over 2 (45 A allowed).
    await (await planOn(b(), c.cp.identity, [[0, 30], [1, 32]])).pass;
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === 10), 5_000)).toBe(true);
  });
});
