import { Subjects } from '@cpo/contracts';
import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { StartedUnderOlderDefault } from '../src/smart-charging/started-under-older-default.js';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, type ProfileChargerOptions, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/**
 * An emulated station cap (the charger refuses ChargePointMaxProfile) on a charger *not yet known*
 * to apply a changed TxDefaultProfile to new transactions only. The cap's check looked at connector 1
 * alone: with a session on connector 2 only, a cut from 32 A (16 A a connector) to 20 A (10 A a
 * connector) read 10 A on the idle connector 1 and passed, while the session kept 16 A: 26 A under
 * a 20 A cap, nothing learned, no TxProfile. The check must be made where a session runs.
 */
describe('smart charging: the emulated station cap is checked on a connector with a running transaction', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCCK', { status: 'Accepted' });
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const cap = async (stationId: string) => (await rows(stationId)).find((r) => r.chargingProfileId === 1);
  const settled = async (stationId: string, planId: string) => {
    const r = await cap(stationId);
    return r?.planId === planId && r.state === 'applied' && r.verification !== null;
  };
  const txProfiles = (sets: Req16<'SetChargingProfile'>[]) =>
    sets.filter((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile').map((s) => [s.csChargingProfiles.transactionId, s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit]);
  const committed = async (subject: string, stationId: string, planId: string, and = '') =>
    Number((await h.db.query(`SELECT count(*) AS n FROM outbox WHERE subject = $1 AND payload::jsonb->>'stationId' = $2 AND payload::jsonb->>'planId' = $3 ${and}`, [subject, stationId, planId]))[0].n);
  const learned = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body.capabilities.txDefaultSkipsRunningTransaction;

  /** Two connectors under an emulated 32 A cap (16 A each), not known to need a TxProfile. */
  async function online(o: ProfileChargerOptions) {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCCK', refuseStationCap: true, newTransactionsOnly: true, ...o });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([16, 16]);
    return { c, id, cut: constantPlan(id, [[0, 20]]) };
  }

  const forms: [string, ProfileChargerOptions][] = [
    ['the connector-0 default (id 99)', {}],
    ['each connector its own share (connector 0 refusing id 99)', { refuseConnectorZeroDefault: true }],
  ];

  it.each(forms.flatMap(([form, o]) => [[form, [2], o], [form, [1, 2], o]] as [string, number[], ProfileChargerOptions][]))(
    'a cut of the cap reaches the running sessions, with %s, sessions on connectors %j',
    async (_form, connectors, o) => {
      const { c, id, cut } = await online(o);
      const txs = new Map<number, number>();
      for (const n of connectors) txs.set(n, await c.start(n, 'FLEET-SCCK')); // under the 16 A share
      await publishPlanAt(h, cut, new Date());
      expect(await eventually(() => settled(id, cut.planId))).toBe(true);
      await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
      // Before: 10 A on idle connector 1 passed the check; the session on 2 kept 16 A (26 A under 20 A).
      expect([c.limitNow(1), c.limitNow(2)]).toEqual([10, 10]);
      expect(await learned(id)).toBe(true);
      expect(txProfiles(c.sets).sort()).toEqual(connectors.map((n) => [txs.get(n), 10]).sort());
      const first = connectors[0]!;
      expect((await cap(id))?.verification).toBe(`verified: via TxProfile ${300 + first} for transaction ${txs.get(first)}`);
      // One answer each way for the plan: the check's NotObeyed, then the TxProfile's `applied` (besides the cap's own).
      expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
      expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
      expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId)).toBe(2);
    },
  );

  it.each(forms)('a charger applying the default to running sessions is asked once, on the connector of the running session, with %s', async (_form, o) => {
    const { c, id, cut } = await online({ ...o, newTransactionsOnly: false });
    await c.start(2, 'FLEET-SCCK');
    const asked: number[] = [];
    c.cp.after('GetCompositeSchedule', (req) => {
      asked.push(req.connectorId);
    });
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    expect(asked).toEqual([2]);
    expect((await cap(id))?.verification).toBe('verified');
    expect(txProfiles(c.sets)).toEqual([]);
    expect(await learned(id)).toBeUndefined();
  });

  it.each(forms)('a session started offline under the older share on an idle-checked connector is checked and held once its start arrives, with %s', async (_form, o) => {
    const { c, id, cut } = await online(o);
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await cap(id))?.planId === cut.planId && (await cap(id))?.state === 'failed')).toBe(true);
    const deliver = c.begin(2, 'FLEET-SCCK'); // offline, under the 16 A share
    void c.cp.start();
    await c.cp.waitOpen();
    // The reconnect pass knows of no session: its check on connector 1 (idle) reads the cut share.
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    expect((await cap(id))?.verification).toBe('verified');
    expect(c.limitNow(2)).toBe(16);
    const b = await deliver();
    // Before: nothing was checked on an unknown charger, and the session kept 16 A beside connector 1's 10 A.
    expect(await eventually(() => c.limitNow(2) === 10)).toBe(true);
    // The hold (queued after the start's answer) and any pass it chained are done.
    await h.app.app.get(StartedUnderOlderDefault).settled();
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    expect(c.limitNow(1)).toBe(10);
    expect(txProfiles(c.sets)).toEqual([[b, 10]]);
    expect(await learned(id)).toBe(true);
    expect((await cap(id))?.verification).toBe(`verified: via TxProfile 302 for transaction ${b}`);
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
  });
});
