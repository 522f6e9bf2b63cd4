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

  /**
   * A connector that never sends a status raises the socket replica's count (`ConnectorSplits`) for
   * good once a session starts there: the stored split (KNOWN_CONNECTORS) must count it for good too,
   * not only while the session runs, or a pass on the other replica splits over fewer connectors and
   * the socket replica, comparing with its own count, never splits again. A MeterValues of an idle
   * connector raises neither: the session's start does.
   */
  it('a stopped session on status-less connector 3 still counts: B splits a lower cap over 3 (10 A each), not over 2 (15 A each: 45 A under 30 A once 3 starts again)', async () => {
    await api(a(), 'PUT', '/api/v1/id-tags/FLEET-SCSTOPR', { status: 'Accepted' });
    const c = await onlineProfileCharger(a(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSTOPR', refuseStationCap: true });
    await status(c.cp, 1);
    await status(c.cp, 2);
    await (await planOn(b(), c.cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    const first = await c.start(3, 'FLEET-SCSTOPR');
    const third = Math.floor(400 / 3) / 10;
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === third), 5_000)).toBe(true);
    await send(c.cp, 'StopTransaction', { transactionId: first, meterStop: 1000, timestamp: new Date().toISOString() });
    // No session on 3 now: B, which never heard of connector 3 itself, still splits a lower cap over 3 (it had a session).
    await (await planOn(b(), c.cp.identity, [[0, 30], [1, 32]])).pass;
    expect(await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === 10), 5_000)).toBe(true);
    // A new session on connector 3 (still no status of it): the charger must not allow 15 A there beside 15 A on 1 and 2.
    await c.start(3, 'FLEET-SCSTOPR');
    await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === 10), 5_000);
    expect([1, 2, 3].map((n) => c.limitNow(n))).toEqual([10, 10, 10]);
  });

  it("clock-aligned MeterValues of idle connector 3, then B splits a cap over 2, then a session on 3: 40 A over 3, not 20 A each (60 A under 40 A)", async () => {
    await api(a(), 'PUT', '/api/v1/id-tags/FLEET-SCSTOPR', { status: 'Accepted' });
    const c = await onlineProfileCharger(a(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSTOPR', refuseStationCap: true });
    await status(c.cp, 1);
    await status(c.cp, 2);
    await (await planOn(a(), c.cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => settled(c.cp.identity, [1, 101]))).toBe(true);
    // Outside any session: nothing drawn there, no new split (nor a count only the socket's replica would hold).
    await send(c.cp, 'MeterValues', { connectorId: 3, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1000', context: 'Sample.Clock' }] }] });
    const third = Math.floor(400 / 3) / 10;
    await (await planOn(b(), c.cp.identity, [[0, 40], [1, 32]])).pass;
    expect([1, 2].map((n) => c.limitNow(n))).toEqual([20, 20]);
    await c.start(3, 'FLEET-SCSTOPR');
    await eventually(() => [1, 2, 3].every((n) => c.limitNow(n) === third), 5_000);
    expect([1, 2, 3].map((n) => c.limitNow(n))).toEqual([third, third, third]);
  });
});
