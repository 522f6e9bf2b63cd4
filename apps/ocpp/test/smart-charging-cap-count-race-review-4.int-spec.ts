import { jest } from '@jest/globals';
import { eventually } from '@cpo/testing';
import { ChargingProfileRepository } from '../src/smart-charging/charging-profile.repository.js';
import { api } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingReplicas } from './smart-charging-harness.js';

/**
 * Two replicas: a pass on B reads the capabilities (NumberOfConnectors 2) and, before it records
 * its split, the charger's GetConfiguration answer on A (the socket's replica) raises the count to
 * 3, and A's re-split sends 12 A shares. B then records and sends its split over 2 (18 A each), after
 * A's: no status names connector 3, so only the stored count shows B's split was overtaken.
 */
describe('emulated station cap: a pass overtaken by a NumberOfConnectors raised on another replica', () => {
  const { a, b, chargers } = smartChargingReplicas();

  it('sends its shares again over the stored count (36 A over 3 connectors: 12 A each, not 18 A)', async () => {
    const config = new Map([['NumberOfConnectors', '2'], ['ChargeProfileMaxStackLevel', '2']]);
    const { cp, limitNow } = await onlineProfileCharger(a(), chargers, Object.fromEntries(config), { prefix: 'SCCOUNTRACE', refuseStationCap: true });
    cp.handle('GetConfiguration', () => ({ configurationKey: [...config].map(([key, value]) => ({ key, value, readonly: true })) }));
    await (await planOn(b(), cp.identity, [[0, 40], [1, 32]])).pass;
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 20))).toBe(true);
    // B's next pass stops just before it records its split (its capabilities read already).
    const profiles = b().app.app.get(ChargingProfileRepository);
    const original = profiles.recordSplit.bind(profiles);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let gated = false;
    jest.spyOn(profiles, 'recordSplit').mockImplementationOnce(async (...args) => {
      gated = true;
      await gate;
      return original(...args);
    });
    const passOnB = planOn(b(), cp.identity, [[0, 36], [1, 32]]).then((p) => p.pass);
    expect(await eventually(() => gated)).toBe(true);
    config.set('NumberOfConnectors', '3');
    expect((await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/GetConfiguration`, { key: ['NumberOfConnectors'] })).status).toBe(200);
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 12), 5_000)).toBe(true);
    release();
    await passOnB;
    // Without the stored count in B's check the charger was left at [18, 18, 18]: 54 A under a 36 A cap.
    expect(await eventually(() => [1, 2, 3].every((c) => limitNow(c) === 12), 5_000)).toBe(true);
    expect([1, 2, 3].map(limitNow).reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(36);
  });
});
