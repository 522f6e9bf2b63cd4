import { jest } from '@jest/globals';
import { eventually } from '@cpo/testing';
import { ChargingProfileRepository } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { RunningTransactionCap } from '../src/smart-charging/running-transaction-cap.js';
import { constantPlan, onlineProfileCharger, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

/**
 * The check whether another replica's re-split overtook a pass (one query, at the end of a pass
 * that split an emulated cap) is not the pass's duty: every profile is out and recorded by then.
 * A database error in it must not skip what the pass still has to do, such as sending the newer
 * plan again at once when the charger was left holding an older, higher limit (`reopened`).
 */
describe('emulated station cap: the overtaken check failing at the end of a pass', () => {
  const { h, chargers } = smartChargingService();

  it('still sends the newer plan again at once, and the pass does not fail for it', async () => {
    const { cp, limitNow } = await onlineProfileCharger(h(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCOVERCHK', refuseStationCap: true });
    await publishPlanAt(h(), constantPlan(cp.identity, [[0, 40], [1, 32]]), new Date());
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 20))).toBe(true);
    const dispatcher = h().app.app.get(LimitDispatcher);
    // After the passes the plan started (chained: this one runs after them).
    await dispatcher.dispatch(cp.identity, { all: false });
    const dispatch = jest.spyOn(dispatcher, 'dispatch');
    // The pass's running transactions say the charger holds an older plan's limit (see LimitDispatcher.pass).
    jest.spyOn(h().app.app.get(RunningTransactionCap), 'afterPass').mockResolvedValueOnce(true);
    const splitOf = jest.spyOn(h().app.app.get(ChargingProfileRepository), 'splitOf').mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    await expect(dispatcher.dispatch(cp.identity, { all: false, resplit: true })).resolves.toBeUndefined();
    expect(splitOf).toHaveBeenCalled();
    // The newer plan sent again at once (before: the pass rejected, and it waited for the next pass).
    expect(await eventually(() => dispatch.mock.calls.some(([, o]) => o.all === false && o.resplit === undefined), 5_000)).toBe(true);
  });
});
