import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { StartedUnderOlderDefault } from '../src/smart-charging/started-under-older-default.js';
import { RunningTransactionCap } from '../src/smart-charging/running-transaction-cap.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, readOnlyConfiguration, send, uniqueStation, type OcppHarness } from './harness.js';
import { bootOnline, constantPlan, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Session = { transactionId?: number; startedAt: Date; defaults: SmartCharging16.InstalledProfile[] };

/**
 * A charger (no stack levels) applying a TxDefaultProfile to new transactions only, whose
 * StartTransaction can be held back (`begin` then `deliver`: a backlog, a slow link), whose answers
 * to profile `gatedId` wait for `release()` once gated, and whose GetCompositeSchedule answers take
 * `checkDelayMs` (a slow charger: what was asked after a check is queued behind it).
 */
function slowCharger(url: string, connectors: number, o: { refuseStationCap?: boolean } = {}) {
  const cp = new ChargePoint16({ identity: uniqueStation('SCR5'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  let installed: SmartCharging16.InstalledProfile[] = [];
  const sessions = new Map<number, Session>();
  const ctl = { gatedId: 0, gate: undefined as Promise<void> | undefined, checkDelayMs: 0 };
  let release = () => {};
  readOnlyConfiguration(cp, { NumberOfConnectors: String(connectors), ChargeProfileMaxStackLevel: '0', ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24' });
  cp.handle('SetChargingProfile', async (req) => {
    sets.push(req);
    const p = req.csChargingProfiles;
    if (p.chargingProfileId === ctl.gatedId) await ctl.gate;
    if (o.refuseStationCap && p.chargingProfilePurpose === 'ChargePointMaxProfile') return { status: 'Rejected' };
    const s = sessions.get(req.connectorId);
    if (p.chargingProfilePurpose === 'TxProfile' && (s?.transactionId === undefined || p.transactionId !== s.transactionId)) return { status: 'Rejected' };
    installed = [...installed.filter((i) => i.profile.chargingProfileId !== p.chargingProfileId), { connectorId: req.connectorId, profile: p as SmartCharging16.ChargingProfile }];
    return { status: 'Accepted' };
  });
  const composite = (connectorId: number, durationS: number) => {
    const s = sessions.get(connectorId);
    const profiles = s ? [...installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxDefaultProfile'), ...s.defaults] : installed;
    return SmartCharging16.compositeSchedule({
      profiles, connectorId, from: new Date(), durationS, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 },
      transaction: s && { startedAt: s.startedAt, transactionId: s.transactionId ?? 0 },
    });
  };
  cp.handle('GetCompositeSchedule', async (req) => {
    if (ctl.checkDelayMs > 0) await new Promise((r) => setTimeout(r, ctl.checkDelayMs));
    return { status: 'Accepted', ...composite(req.connectorId, req.duration) };
  });
  return {
    cp,
    sets,
    ctl,
    limitNow: (connectorId: number) => composite(connectorId, 60).chargingSchedule?.chargingSchedulePeriod[0]?.limit,
    /** Answers to `id` wait from now until `release()`. */
    gate(id: number): void {
      ctl.gatedId = id;
      ctl.gate = new Promise((r) => (release = r));
    },
    release: () => release(),
    /** A session begins now under the defaults installed; its StartTransaction waits for `deliver` (`timestamp`: as the charger stamps it). */
    begin(connectorId: number, timestamp?: string): () => Promise<number> {
      const s: Session = { startedAt: new Date(), defaults: installed.filter((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile') };
      sessions.set(connectorId, s);
      return async () => {
        const { transactionId } = await send(cp, 'StartTransaction', { connectorId, idTag: 'FLEET-SCR5', meterStart: 0, timestamp: timestamp ?? s.startedAt.toISOString() });
        s.transactionId = transactionId;
        return transactionId;
      };
    },
  };
}

describe('smart charging: a session started under an older TxDefaultProfile (review 5)', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCR5', { status: 'Accepted' });
  });

  type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };
  const row = async (stationId: string, id = 101) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[]).find((r) => r.chargingProfileId === id);
  const txProfiles = (sets: Req16<'SetChargingProfile'>[]) => sets.filter((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile').map((s) => [s.csChargingProfiles.transactionId, s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit]);

  const committed = async (subject: string, stationId: string, and: string) =>
    Number((await h.db.query(`SELECT count(*) AS n FROM outbox WHERE subject = $1 AND payload::jsonb->>'stationId' = $2 ${and}`, [subject, stationId]))[0].n);

  async function online(connectors: number, known: boolean, o: { capOnly?: boolean; refuseStationCap?: boolean } = {}) {
    const c = slowCharger(h.wsUrl, connectors, o);
    const id = await bootOnline(h, chargers, c.cp, 'SCR5');
    if (known) await h.app.app.get(StationRepository).learnCapabilities(id, { txDefaultSkipsRunningTransaction: true });
    const limits: [number, number][] = o.capOnly ? [[0, 16 * connectors]] : Array.from({ length: connectors }, (_, i) => [i + 1, 16]);
    const first = constantPlan(id, limits);
    await publishPlanAt(h, first, new Date());
    const checked = o.capOnly ? 1 : 101;
    expect(await eventually(async () => (await row(id, checked))?.planId === first.planId && (await row(id, checked))?.verification !== null)).toBe(true);
    return { c, id, cut: constantPlan(id, limits.map(([n, limit]) => [n, (limit * 10) / 16])) };
  }

  it('a start recorded while the pass that accepted the cut is still sending is held once: one check reporting it, one TxProfile, one `applied`', async () => {
    const { c, id, cut } = await online(2, false);
    const deliver = c.begin(1); // under the 16 A default
    c.gate(102); // the pass is still at connector 2 when the start arrives
    c.ctl.checkDelayMs = 500;
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await row(id, 101))?.planId === cut.planId && (await row(id, 101))?.state === 'applied')).toBe(true);
    const b = await deliver();
    c.release();
    expect(await eventually(() => c.limitNow(1) === 10)).toBe(true);
    expect(await eventually(async () => (await row(id, 101))?.verification === `verified: via TxProfile 301 for transaction ${b}`)).toBe(true);
    // Every hold's work is done (and each pass it chained); the events are counted where they are committed.
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    await h.app.app.get(StartedUnderOlderDefault).settled();
    expect(await committed(Subjects.OcppChargingProfileApplied, id, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileFailed, id, `AND payload::jsonb->>'status' = 'NotObeyed' AND payload::jsonb->>'planId' = '${cut.planId}'`)).toBe(1);
    expect(txProfiles(c.sets)).toEqual([[b, 10]]);
  });

  it('a session started offline and stamped by an unset clock (stored at receipt) is held to the cut once its start arrives', async () => {
    const { c, id, cut } = await online(1, true);
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await row(id))?.planId === cut.planId && (await row(id))?.state === 'failed')).toBe(true);
    const deliver = c.begin(1, '1970-01-01T00:05:00.000Z'); // offline, under the 16 A default; the clock lost with the power
    void c.cp.start();
    await c.cp.waitOpen();
    expect(await eventually(async () => (await row(id))?.planId === cut.planId && (await row(id))?.state === 'applied' && (await row(id))?.verification !== null)).toBe(true);
    expect(c.limitNow(1)).toBe(16);
    const b = await deliver();
    expect(await eventually(() => c.limitNow(1) === 10)).toBe(true);
    expect(txProfiles(c.sets)).toEqual([[b, 10]]);
  });

  it('on a charger holding the station cap emulated (id 99, no plan of its own for the connector), a session started offline under the older share is held to the cut share', async () => {
    const { c, id, cut } = await online(2, true, { capOnly: true, refuseStationCap: true }); // 32 A cap: 16 A a connector
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    await publishPlanAt(h, cut, new Date()); // 20 A: 10 A a connector
    expect(await eventually(async () => (await row(id, 1))?.planId === cut.planId && (await row(id, 1))?.state === 'failed')).toBe(true);
    const deliver = c.begin(1); // offline, under the 16 A share
    void c.cp.start();
    await c.cp.waitOpen();
    expect(await eventually(async () => (await row(id, 1))?.planId === cut.planId && (await row(id, 1))?.state === 'applied' && (await row(id, 1))?.verification !== null)).toBe(true);
    expect(c.limitNow(2)).toBe(10);
    expect(c.limitNow(1)).toBe(16);
    const b = await deliver();
    expect(await eventually(() => c.limitNow(1) === 10)).toBe(true);
    expect(txProfiles(c.sets)).toEqual([[b, 10]]);
  });

  it('a pass of a lower share while a hold is slow to send goes after it, in the station\'s turn: the lower share stays', async () => {
    const c = slowCharger(h.wsUrl, 2, { refuseStationCap: true });
    const id = await bootOnline(h, chargers, c.cp, 'SCR5');
    await h.app.app.get(StationRepository).learnCapabilities(id, { txDefaultSkipsRunningTransaction: true });
    const p1 = constantPlan(id, [[0, 64], [1, 16]]); // 32 A a connector: connector 1 at its own 16 A
    await publishPlanAt(h, p1, new Date());
    expect(await eventually(async () => (await row(id, 101))?.planId === p1.planId && (await row(id, 101))?.verification !== null)).toBe(true);
    const deliver = c.begin(1); // under 16 A; its start is delayed
    const p2 = constantPlan(id, [[1, 12]]);
    await publishPlanAt(h, p2, new Date());
    expect(await eventually(async () => (await row(id, 101))?.planId === p2.planId && (await row(id, 101))?.verification !== null)).toBe(true);
    // The hold of the delayed start reads 101's form (12 A), then is slow to send it.
    const cap = h.app.app.get(RunningTransactionCap);
    const original = cap.startedUnderOlderDefault.bind(cap);
    let go = () => {};
    const gate = new Promise<void>((r) => (go = r));
    let reached = false;
    jest.spyOn(cap, 'startedUnderOlderDefault').mockImplementation(async (...args) => {
      reached = true;
      await gate;
      return original(...args);
    });
    const b = await deliver();
    expect(await eventually(() => reached)).toBe(true);
    // Meanwhile the cap is cut to 16 A: 8 A a connector, 101 goes again at 8 A (same plan) with its
    // TxProfile, in the pass that waits for the hold's turn. (Passes and holds interleaved, the 12 A
    // TxProfile went out over the pass's 8 A one and had to be sent again: 8, 12, 8.)
    const p3 = constantPlan(id, [[0, 16]]);
    const sentBefore = c.sets.length;
    await publishPlanAt(h, p3, new Date());
    // Nothing of that pass goes while the hold holds the turn (interleaved, its 8 A default went at once).
    expect(await eventually(() => c.sets.length > sentBefore, 1_000)).toBe(false);
    go();
    expect(await eventually(() => txProfiles(c.sets).some(([t, limit]) => t === b && limit === 8))).toBe(true);
    await h.app.app.get(StartedUnderOlderDefault).settled();
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    expect(c.limitNow(1)).toBe(8);
    expect(txProfiles(c.sets).filter(([t]) => t === b)).toEqual([[b, 12], [b, 8]]);
  });
});
