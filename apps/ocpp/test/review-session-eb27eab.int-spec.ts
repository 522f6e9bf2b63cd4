import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { type ChargePoint16, OcppCallError } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { CheckRetries } from '../src/smart-charging/check-retry.js';
import { api, type OcppHarness, startOcpp } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

const RETRY_MS = 100;
const ALL_RETRIES_MS = RETRY_MS * (1 + 2 + 4 + 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Review of eb27eab: a check the charger cannot ever answer (GetCompositeSchedule NotImplemented /
 * NotSupported: what it lacks, not its choice of the moment) is asked again four times per plan and
 * station, on every plan of a fleet of such chargers.
 */
describe('review of eb27eab: retries of an emulated cap check', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_PROFILE_CHECK_RETRY_MS: String(RETRY_MS) });
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-RVCR', { status: 'Accepted' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h?.close();
  });

  const cap = async (stationId: string) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[]).find((r) => r.chargingProfileId === 1);
  const settled = async (stationId: string, planId: string) => {
    const r = await cap(stationId);
    return r?.planId === planId && r.state === 'applied' && r.verification !== null;
  };

  it.each(['NotImplemented', 'NotSupported'] as const)('does not ask again a charger that answered GetCompositeSchedule %s', async (code) => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'RVCR', refuseStationCap: true, newTransactionsOnly: false });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    await c.start(2, 'FLEET-RVCR');
    const asked: number[] = [];
    c.cp.handle('GetCompositeSchedule', (req) => {
      asked.push(req.connectorId);
      throw new OcppCallError(code, 'GetCompositeSchedule is not implemented');
    });
    const cut = constantPlan(id, [[0, 20]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await sleep(2 * ALL_RETRIES_MS);
    await h.app.app.get(CheckRetries).settled();
    // The pass's check only: the answer will not change in a minute, nor in eight.
    expect(asked.filter((n) => n === 2)).toHaveLength(1);
  });
});
