import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap checked where a session runs, on a charger not known to need a TxProfile
 * (`RunningTransactionCap.capCheck`): the other sessions under its shares get their TxProfile only
 * once the check, the first TxProfile and its check are done (three calls, each up to a timeout).
 * A session that stopped meanwhile must not get one: its transaction is over.
 */
describe('smart charging: the emulated cap check where a session runs, a session stopping meanwhile', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCR7', { status: 'Accepted' });
  });

  const cap = async (stationId: string) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[]).find((r) => r.chargingProfileId === 1);
  const settled = async (stationId: string, planId: string) => {
    const r = await cap(stationId);
    return r?.planId === planId && r.state === 'applied' && r.verification !== null;
  };
  const txProfiles = (sets: Req16<'SetChargingProfile'>[]) =>
    sets.filter((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile').map((s) => s.csChargingProfiles.transactionId);

  it('sends no TxProfile for a session stopped while the check ran on the other one', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCR7', refuseStationCap: true, newTransactionsOnly: true });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    const txs = new Map<number, number>();
    for (const n of [1, 2]) txs.set(n, await c.start(n, 'FLEET-SCR7')); // under the 16 A share
    let stoppedTx: number | undefined;
    c.cp.after('GetCompositeSchedule', (req) => {
      if (stoppedTx !== undefined) return;
      // The cap's check on one session's connector: the other session stops now, its stop recorded
      // before the charger answers the TxProfile of the first.
      const other = req.connectorId === 1 ? 2 : 1;
      stoppedTx = txs.get(other)!;
      c.behaviour.hold = send(c.cp, 'StopTransaction', { transactionId: stoppedTx, meterStop: 1000, timestamp: new Date().toISOString() }).then(() => undefined);
    });
    const cut = constantPlan(id, [[0, 20]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
    expect(stoppedTx).toBeDefined();
    const held = [...txs.values()].find((t) => t !== stoppedTx);
    // Before: the stopped session got a TxProfile too (looked up before the three calls of the check).
    expect(txProfiles(c.sets)).toEqual([held]);
  });

  it('checks every session under the shares until one keeps an older one: the first may run under a lower, older share', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCR7', refuseStationCap: true, newTransactionsOnly: true });
    const id = c.cp.identity;
    const plan = async (a: number) => {
      const p = constantPlan(id, [[0, a]]);
      await publishPlanAt(h, p, new Date());
      expect(await eventually(() => settled(id, p.planId))).toBe(true);
      await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
    };
    await plan(20); // 10 A a connector
    const a = await c.start(1, 'FLEET-SCR7'); // under 10 A
    await plan(32); // 16 A a connector: connector 1's session reads 10 A, below: passes
    const b = await c.start(2, 'FLEET-SCR7'); // under 16 A
    await plan(24); // 12 A a connector
    // Before: the check read connector 1's session (10 A, under its older, lower share) and passed,
    // while connector 2's kept 16 A: 26 A under a 24 A cap, nothing learned.
    expect(c.limitNow(2)).toBe(12);
    expect(c.limitNow(1) + c.limitNow(2)).toBeLessThanOrEqual(24);
    expect(txProfiles(c.sets)).toContain(b);
    expect(txProfiles(c.sets).every((t) => t === a || t === b)).toBe(true);
  });
});
