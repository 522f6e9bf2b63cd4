import { randomUUID } from 'node:crypto';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { ChargingProfileRepository } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { connectorProfileId, STATION_CAP_PROFILE_ID } from '../src/smart-charging/profile-builder.js';
import { api, send, startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; state: string; verification: string | null };

/**
 * An emulated station cap first split by a pass on a replica that does not hold the charger's
 * socket (a plan consumed there): the replica holding it compares each StatusNotification with a
 * count it never computed itself. A connector beyond that split must still have the shares sent again.
 */
describe('smart charging: an emulated cap split on another replica, split again when a connector appears', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const chargers: ChargePoint16[] = [];
  const env = { OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000' };
  beforeAll(async () => {
    a = await startOcpp(env);
    b = await startOcpp(env, a);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const rows = async (stationId: string) => (await api(a, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, ids: number[]) => {
    const all = await rows(stationId);
    return ids.every((id) => all.some((r) => r.chargingProfileId === id && r.state !== 'pending' && (r.state !== 'applied' || r.verification !== null)));
  };
  const status = (cp: ChargePoint16, connectorId: number) => send(cp, 'StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });

  /** The plan stored and dispatched by replica B alone (as its consumer would), the socket being on A. */
  async function planOnB(stationId: string, limits: [number, number][]): Promise<void> {
    const plan = constantPlan(stationId, limits);
    const profiles = b.app.app.get(ChargingProfileRepository);
    await b.app.app.get(DataSource).transaction(async (tx) => {
      for (const limit of plan.connectors) {
        const cap = limit.connectorId === 0;
        await profiles.upsertDesired(tx, {
          stationId,
          chargingProfileId: cap ? STATION_CAP_PROFILE_ID : connectorProfileId(limit.connectorId),
          connectorId: limit.connectorId,
          purpose: cap ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
          stackLevel: 0,
          desired: limit,
          planId: randomUUID(),
          planOccurredAt: new Date().toISOString(),
        });
      }
    });
    await b.app.app.get(LimitDispatcher).dispatch(stationId, { all: false });
  }

  it('a status of connector 3 on the socket replica after B split the cap over 2', async () => {
    const { cp, limitNow } = await onlineProfileCharger(a, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCSPLITR', refuseStationCap: true });
    await planOnB(cp.identity, [[0, 40], [1, 32]]);
    expect(await eventually(() => settled(cp.identity, [1, 101]))).toBe(true);
    expect([limitNow(1), limitNow(2), limitNow(3)]).toEqual([20, 20, 20]);
    await status(cp, 3);
    const third = Math.floor(400 / 3) / 10;
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === third), 5_000)).toBe(true);
  });
});
