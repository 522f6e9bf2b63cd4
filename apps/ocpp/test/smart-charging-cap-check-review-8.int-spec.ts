import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { StartedUnderOlderDefault } from '../src/smart-charging/started-under-older-default.js';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt, smartChargingService } from './smart-charging-harness.js';
import { randomUUID } from 'node:crypto';
import type { PlannerStationLimitsPlanned } from '@cpo/contracts';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/** Firmware that accepts profiles and reports 16 A whatever it holds (guide §3.1: accepted, limit visibly not followed). */
function keeps16A(cp: ChargePoint16): void {
  cp.handle('GetCompositeSchedule', (req) => ({
    status: 'Accepted',
    connectorId: req.connectorId,
    scheduleStart: new Date().toISOString(),
    chargingSchedule: { duration: req.duration, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  }));
}

/**
 * An emulated station cap checked where a session runs (`RunningTransactionCap.capCheck`) in the
 * same pass as a connector's own plan whose session also runs: once one of the two checks has
 * learned that the charger applies a changed default to new sessions only, the other must go out
 * as on a charger known to need it (TxProfile, no second NotObeyed and `applied` for the plan).
 */
describe('smart charging: the emulated cap check where a session runs, beside a planned connector with a session', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCR8', { status: 'Accepted' });
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const settled = async (stationId: string, planId: string) => {
    const r = await rows(stationId);
    return [1, 101].every((id) => {
      const x = r.find((y) => y.chargingProfileId === id);
      return x?.planId === planId && x.state === 'applied' && x.verification !== null;
    });
  };
  const committed = async (subject: string, stationId: string, planId: string, and = '') =>
    Number((await h.db.query(`SELECT count(*) AS n FROM outbox WHERE subject = $1 AND payload::jsonb->>'stationId' = $2 AND payload::jsonb->>'planId' = $3 ${and}`, [subject, stationId, planId]))[0].n);
  const plan = (stationId: string, cap: number, own: number): PlannerStationLimitsPlanned => {
    const startSchedule = new Date(Date.now() - 600_000).toISOString();
    const limit = (connectorId: number, l: number) => ({ connectorId, schedule: { startSchedule, chargingRateUnit: 'A' as const, periods: [{ startPeriodS: 0, limit: l }] } });
    return { planId: randomUUID(), groupId: 'G1', stationId, reason: 'allocation', effectiveFrom: startSchedule, connectors: [limit(0, cap), limit(1, own)] };
  };

  // The cap's step first (its cut is the larger), or the connector plan's first.
  it.each([
    [12, 8],
    [14, 6],
  ])('answers the plan once each way when the cap and a connector plan both find a session above them (connector 1: %d A, then %d A)', async (before, after) => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCR8', refuseStationCap: true, newTransactionsOnly: true });
    const id = c.cp.identity;
    const first = plan(id, 32, before); // id 99 at 16 A, connector 1 its own
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    await c.start(1, 'FLEET-SCR8'); // under its own
    await c.start(2, 'FLEET-SCR8'); // under id 99's 16 A
    const cut = plan(id, 20, after); // id 99 at 10 A
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([after, 10]);
    // Before: each check learned the need on its own, each published NotObeyed and then `applied` for the plan.
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
  });

  /** A 32 A cap emulated over 2 connectors (applied and checked) on a charger not known either way, a session running on connector 2. */
  async function cappedAt32WithSessionOn2() {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCR8', refuseStationCap: true, newTransactionsOnly: true });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(async () => (await rows(id)).some((r) => r.chargingProfileId === 1 && r.planId === first.planId && r.state === 'applied' && r.verification !== null))).toBe(true);
    await c.start(2, 'FLEET-SCR8');
    return { c, id };
  }

  it('publishes NotObeyed once for the plan when the charger follows neither the cap nor the TxProfile for the session', async () => {
    const { c, id } = await cappedAt32WithSessionOn2();
    keeps16A(c.cp);
    const cut = constantPlan(id, [[0, 20]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await rows(id)).some((r) => r.chargingProfileId === 1 && r.planId === cut.planId && (r.verification ?? '').includes('via TxProfile')))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
    expect((await rows(id)).find((r) => r.chargingProfileId === 1)?.verification).toMatch(/^exceeded: via TxProfile 302/);
    // Before: the check's NotObeyed, and another for the TxProfile's check: two answers to one plan.
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(0);
  });

  it('publishes NotObeyed once for the plan when a session started under the older share arrives after the pass found the cap not obeyed', async () => {
    const { c, id } = await cappedAt32WithSessionOn2();
    const deliver = c.begin(1, 'FLEET-SCR8'); // its start held back until after the cut's pass (a backlog)
    keeps16A(c.cp);
    const cut = constantPlan(id, [[0, 20]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await rows(id)).some((r) => r.chargingProfileId === 1 && r.planId === cut.planId && (r.verification ?? '').includes('via TxProfile')))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    const late = await deliver();
    await h.app.app.get(StartedUnderOlderDefault).settled();
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    expect((await rows(id)).find((r) => r.chargingProfileId === 1)?.verification).toBe(`exceeded: via TxProfile 301 for transaction ${late}`);
    // Before: the late session's check published a second NotObeyed for the plan the planner already counts uncontrolled.
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
  });
});
