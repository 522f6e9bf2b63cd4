import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { jest } from '@jest/globals';
import { RunningTransactionCap } from '../src/smart-charging/running-transaction-cap.js';
import { StartedUnderOlderDefault } from '../src/smart-charging/started-under-older-default.js';
import { api, send, startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

/**
 * A start the charger made under an older default is held in the station's turn between passes
 * (`LimitDispatcher.inTurn`). Waiting for the passes by queueing one sent every unanswered row again
 * and waited its call timeout: once per start delivered, for a connector whose profile the charger
 * never answers.
 */
describe('smart charging: a backlog of starts under an older default while a profile goes unanswered (review 6)', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_CALL_TIMEOUT_MS: '1000' });
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCR6', { status: 'Accepted' });
  });
  afterAll(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
    await h.close();
  });

  type Row = { chargingProfileId: number; planId: string; state: string };
  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];

  it('holds each start of the backlog without sending the unanswered profile again (before: once per start, a call timeout each)', async () => {
    const { cp } = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '5', ChargeProfileMaxStackLevel: '0' }, { prefix: 'SCR6', composite: false });
    const id = cp.identity;
    // From connector 5's profile on, the charger answers nothing (its row stays unanswered: `failed`).
    cp.handle('SetChargingProfile', async (req) => {
      if (req.csChargingProfiles.chargingProfileId === 105) await new Promise(() => undefined);
      return { status: 'Accepted' as const };
    });
    // Each try of 105 is counted on its row (a timeout each).
    const tries105 = async () => Number((await h.db.query(`SELECT attempts FROM charging_profiles WHERE station_id = $1 AND charging_profile_id = 105`, [id]))[0].attempts);
    const cut = constantPlan(id, [1, 2, 3, 4, 5].map((c) => [c, 10]));
    await publishPlanAt(h, cut, new Date());
    const settled = async () => {
      const r = await rows(id);
      return [101, 102, 103, 104].every((p) => r.some((x) => x.chargingProfileId === p && x.planId === cut.planId && x.state === 'applied')) && r.some((x) => x.chargingProfileId === 105 && x.state === 'failed');
    };
    expect(await eventually(settled, 10_000)).toBe(true);
    const before = await tries105();
    const held = jest.spyOn(h.app.app.get(RunningTransactionCap), 'startedUnderOlderDefault');
    // Sessions the charger began offline a minute ago, under the older defaults, delivered now.
    const stamp = new Date(Date.now() - 60_000).toISOString();
    for (const connectorId of [1, 2, 3, 4]) await send(cp, 'StartTransaction', { connectorId, idTag: 'FLEET-SCR6', meterStart: 0, timestamp: stamp });
    await h.app.app.get(StartedUnderOlderDefault).settled();
    // Taken for starts under an older default (else this proves nothing), and no pass queued for them.
    expect(held).toHaveBeenCalledTimes(4);
    expect((await tries105()) - before).toBe(0);
  });
});
