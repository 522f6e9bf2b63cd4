import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { StationLifecycle } from '../src/connection/station-lifecycle.js';
import { send } from './harness.js';
import { onlineProfileCharger as bootedCharger, planOn, smartChargingReplicas } from './smart-charging-harness.js';

/**
 * The lease fallback (id 201, level 0, no end) is news to a charger only once per connection and
 * boot: a pass on the replica that does not hold the socket (through the bus) must know it is
 * installed as well as the holder does, or it goes again before every plan's limit, which on a slow
 * charger then waits one CALL more. A reconnect or a boot may have lost it: it goes again then.
 */
describe('smart charging: the lease fallback, known installed on every replica', () => {
  const { a, b, chargers } = smartChargingReplicas();
  const keys = { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' };

  const fallbacks = (sets: Req16<'SetChargingProfile'>[]) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === 201).length;

  // The boot's own steps (its fallbacks forgotten, its pass) run after the boot's answer: a plan's pass
  // racing them would see its fallback forgotten and send it once more, rightly. Each test starts once
  // they are over (a last after-boot step, after every other).
  const bootsSettled = new Set<string>();
  beforeAll(() => {
    a().app.app.get(StationLifecycle).onAccepted(async (ctx) => void bootsSettled.add(ctx.stationId), 1_000);
  });
  const onlineProfileCharger: typeof bootedCharger = async (...args) => {
    const c = await bootedCharger(...args);
    expect(await eventually(() => bootsSettled.has(c.cp.identity), 5_000)).toBe(true);
    return c;
  };

  it('two plans dispatched through the replica without the socket send the fallback once', async () => {
    const c = await onlineProfileCharger(a(), chargers, keys, { prefix: 'LFREP' });
    await (await planOn(b(), c.cp.identity, [[1, 16]])).pass;
    expect(c.holds(101)).toBe(16);
    expect(fallbacks(c.sets)).toBe(1);
    await (await planOn(b(), c.cp.identity, [[1, 12]])).pass;
    expect(c.holds(101)).toBe(12);
    // The holder decides alike: installed through B is installed.
    await (await planOn(a(), c.cp.identity, [[1, 10]])).pass;
    expect(c.holds(101)).toBe(10);
    expect(fallbacks(c.sets)).toBe(1);
    expect(c.limitNow(1)).toBe(10);
  });

  it('installed by the holder, not sent again through the other replica', async () => {
    const c = await onlineProfileCharger(a(), chargers, keys, { prefix: 'LFREP' });
    await (await planOn(a(), c.cp.identity, [[1, 16]])).pass;
    await (await planOn(b(), c.cp.identity, [[1, 12]])).pass;
    expect(c.holds(101)).toBe(12);
    expect(fallbacks(c.sets)).toBe(1);
  });

  it('a reconnect sends it again, and then once only through either replica', async () => {
    const c = await onlineProfileCharger(a(), chargers, keys, { prefix: 'LFREP' });
    await (await planOn(b(), c.cp.identity, [[1, 16]])).pass;
    expect(fallbacks(c.sets)).toBe(1);
    await c.cp.stop();
    void c.cp.start();
    await c.cp.waitOpen();
    // The reconnect's pass sends everything again, the fallback under the lease first.
    expect(await eventually(() => fallbacks(c.sets) === 2 && c.sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).length === 2, 5_000)).toBe(true);
    await (await planOn(b(), c.cp.identity, [[1, 12]])).pass;
    await (await planOn(a(), c.cp.identity, [[1, 10]])).pass;
    expect(c.holds(101)).toBe(10);
    expect(fallbacks(c.sets)).toBe(2);
  });

  it('a boot on the same connection sends it again, also when the next plan goes through the other replica', async () => {
    const c = await onlineProfileCharger(a(), chargers, keys, { prefix: 'LFREP' });
    await (await planOn(b(), c.cp.identity, [[1, 16]])).pass;
    expect(fallbacks(c.sets)).toBe(1);
    await send(c.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'SC' });
    expect(await eventually(() => fallbacks(c.sets) === 2, 5_000)).toBe(true);
    await (await planOn(b(), c.cp.identity, [[1, 12]])).pass;
    expect(c.holds(101)).toBe(12);
    expect(fallbacks(c.sets)).toBe(2);
  });
});
