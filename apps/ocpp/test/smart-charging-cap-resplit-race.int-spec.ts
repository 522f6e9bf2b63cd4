import { jest } from '@jest/globals';
import { eventually } from '@cpo/testing';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import { send } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingReplicas } from './smart-charging-harness.js';

/**
 * Two replicas: a pass on B (a plan consumed there) splits the emulated cap over the count it read,
 * while a connector reports on A (the socket's replica), which re-splits. B's shares, sent after A's
 * smaller ones, must not stay: the charger would allow more than the cap.
 */
describe('emulated station cap: a pass overtaken by another replica\'s re-split', () => {
  const { a, b, chargers } = smartChargingReplicas();

  it('sends its shares again over the new count (36 A over 3 connectors: 12 A each, not 18 A)', async () => {
    const { cp, limitNow } = await onlineProfileCharger(a(), chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCRACE', refuseStationCap: true });
    await (await planOn(b(), cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 20))).toBe(true);
    const caller = b().app.app.get(StationCaller);
    const original = caller.setProfile.bind(caller);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let gated = false;
    jest.spyOn(caller, 'setProfile').mockImplementation(async (...args) => { gated = true; await gate; return original(...args); });
    const { pass: passOnB } = await planOn(b(), cp.identity, [[0, 36], [1, 32]]);
    expect(await eventually(() => gated)).toBe(true);
    await send(cp, 'StatusNotification', { connectorId: 3, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 12), 5_000)).toBe(true);
    release();
    await passOnB;
    // Without the check at the end of B's pass the charger was left at [18, 18, 18]: 54 A under a 36 A cap.
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 12), 5_000)).toBe(true);
    expect([1, 2, 3].map(limitNow).reduce((x, y) => x! + y!, 0)).toBeLessThanOrEqual(36);
  });
});
