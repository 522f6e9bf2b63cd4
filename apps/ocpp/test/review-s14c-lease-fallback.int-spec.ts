import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { LeaseFallbackRepository } from '../src/smart-charging/lease-fallback.repository.js';
import { api } from './harness.js';
import { onlineProfileCharger, planOn, smartChargingService } from './smart-charging-harness.js';

/**
 * Review s14c: the lease fallback (id 201) known installed in `lease_fallbacks` must be forgotten
 * whenever the charger may not hold it, or it is never sent again on that connection and a lapsing
 * lease leaves the connector unlimited.
 */
describe('review s14c: the lease fallback row follows what the charger holds', () => {
  const { h, chargers } = smartChargingService();
  const keys = { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' };
  const fallbacks = (sets: Req16<'SetChargingProfile'>[]) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === 201).length;

  it('a ClearChargingProfile for id 201 answered Unknown (the charger does not hold it) has it sent again with the next plan', async () => {
    const c = await onlineProfileCharger(h(), chargers, keys, { prefix: 'S14C' });
    await (await planOn(h(), c.cp.identity, [[1, 16]])).pass;
    expect(fallbacks(c.sets)).toBe(1);
    // The charger lost it on its own (a firmware update that kept the socket): it knows no 201.
    c.cp.handle('ClearChargingProfile', () => ({ status: 'Unknown' }));
    const cleared = await api(h(), 'POST', `/api/v1/stations/${c.cp.identity}/commands/ClearChargingProfile`, { id: 201 });
    expect(cleared.body.payload).toEqual({ status: 'Unknown' });
    // Counted from here: the boot's own pass (after-boot steps, late on a loaded machine) may have
    // sent the fallback once more since, before the clear.
    const before = fallbacks(c.sets);
    await (await planOn(h(), c.cp.identity, [[1, 12]])).pass;
    expect(await eventually(() => fallbacks(c.sets) > before, 10_000)).toBe(true);
  });

  it('a ClearChargingProfile for connector 0 (read as "all" by many chargers) has it sent again with the next plan', async () => {
    const c = await onlineProfileCharger(h(), chargers, keys, { prefix: 'S14C' });
    await (await planOn(h(), c.cp.identity, [[1, 16]])).pass;
    expect(fallbacks(c.sets)).toBe(1);
    c.cp.handle('ClearChargingProfile', () => ({ status: 'Accepted' }));
    const cleared = await api(h(), 'POST', `/api/v1/stations/${c.cp.identity}/commands/ClearChargingProfile`, { connectorId: 0 });
    expect(cleared.body.payload).toEqual({ status: 'Accepted' });
    const before = fallbacks(c.sets);
    await (await planOn(h(), c.cp.identity, [[1, 12]])).pass;
    expect(await eventually(() => fallbacks(c.sets) > before, 10_000)).toBe(true);
  });

  it("an acceptance recorded late, for a send from before a connector's forget (an operator's clear of 201), does not count as installed", async () => {
    const repo = h().app.app.get(LeaseFallbackRepository);
    const station = `S14C-RACE-${Date.now()}`;
    await repo.accepted(station, 2, 'F', new Date(Date.now() - 5_000));
    // A pass sent it again a second ago; the operator's clear of 201 came after, and only now is the pass's acceptance written.
    await repo.forget(station, 2);
    await repo.accepted(station, 2, 'F', new Date(Date.now() - 1_000));
    expect(await repo.installed(station, 2, 'F')).toBe(false);
    // A send after the forget counts.
    await repo.accepted(station, 2, 'F', new Date(Date.now() + 10));
    expect(await repo.installed(station, 2, 'F')).toBe(true);
  });
});
