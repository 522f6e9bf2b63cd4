import { Subjects } from '@cpo/contracts';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { StartedUnderOlderDefault } from '../src/smart-charging/started-under-older-default.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, readOnlyConfiguration, send, uniqueStation, type OcppHarness } from './harness.js';
import { bootOnline, constantPlan, publishPlanAt, smartChargingService } from './smart-charging-harness.js';

type Session = { transactionId?: number; startedAt: Date; defaults: SmartCharging16.InstalledProfile[] };

/**
 * A one-connector charger (no stack levels) applying a TxDefaultProfile to new transactions only,
 * that keeps charging while offline: a session it stops or starts then is queued (OCPP 1.6 §3.7.1)
 * and reaches the central system only when `deliver()` sends the backlog, in order, after the
 * reconnect pass has run. A session started offline has no id of ours until its StartTransaction is
 * answered: a TxProfile pinned to any id is refused until then (§3.13.1, as for an ended one).
 */
function offlineCharger(url: string) {
  const cp = new ChargePoint16({ identity: uniqueStation('SCRTB'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  const checks: Date[] = []; // each GetCompositeSchedule asked
  let installed: SmartCharging16.InstalledProfile[] = [];
  let session: Session | undefined;
  const backlog: (() => Promise<void>)[] = [];
  readOnlyConfiguration(cp, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0', ChargingScheduleAllowedChargingRateUnit: 'Current', ChargingScheduleMaxPeriods: '24' });
  cp.handle('SetChargingProfile', (req) => {
    sets.push(req);
    const p = req.csChargingProfiles;
    if (p.chargingProfilePurpose === 'TxProfile' && (session?.transactionId === undefined || p.transactionId !== session.transactionId)) return { status: 'Rejected' };
    installed = [...installed.filter((i) => i.profile.chargingProfileId !== p.chargingProfileId), { connectorId: req.connectorId, profile: p as SmartCharging16.ChargingProfile }];
    return { status: 'Accepted' };
  });
  const inEffect = () => (session ? [...installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxDefaultProfile'), ...session.defaults] : installed);
  const composite = (durationS: number) =>
    SmartCharging16.compositeSchedule({
      profiles: inEffect(), connectorId: 1, from: new Date(), durationS, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 },
      transaction: session && { startedAt: session.startedAt, transactionId: session.transactionId ?? 0 },
    });
  cp.handle('GetCompositeSchedule', (req) => {
    checks.push(new Date());
    return { status: 'Accepted', ...composite(req.duration) };
  });
  const begin = (): Session => ({ startedAt: new Date(), defaults: installed.filter((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile') });
  const end = () => {
    session = undefined;
    installed = installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxProfile');
  };
  return {
    cp,
    sets,
    checks,
    limitNow: () => composite(60).chargingSchedule?.chargingSchedulePeriod[0]?.limit,
    /** A session started online: its StartTransaction answered at once. */
    async start(): Promise<number> {
      const s = begin();
      const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-SCRTB', meterStart: 0, timestamp: s.startedAt.toISOString() });
      session = { ...s, transactionId };
      return transactionId;
    },
    /** Offline: the running session ends; its StopTransaction is queued. */
    stopOffline(): void {
      const transactionId = session!.transactionId!;
      const at = new Date().toISOString();
      end();
      backlog.push(async () => void (await send(cp, 'StopTransaction', { transactionId, meterStop: 1000, timestamp: at })));
    },
    /** Offline: a session starts under the defaults the charger holds; its StartTransaction is queued. */
    startOffline(): void {
      const s = begin();
      session = s;
      backlog.push(async () => {
        const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-SCRTB', meterStart: 1000, timestamp: s.startedAt.toISOString() });
        s.transactionId = transactionId;
      });
    },
    async deliver(): Promise<void> {
      for (const message of backlog.splice(0)) await message();
    },
  };
}

/**
 * A charger back from offline with its transaction messages still queued: the reconnect pass finds
 * the transaction it ended offline still running in the database and sends that one the TxProfile,
 * which the charger refuses, or finds none running. The session it really runs (started offline,
 * under the older default) must still get the limit once its StartTransaction arrives; a session
 * started after the new default was accepted runs under it and needs nothing.
 */
describe('smart charging: the running transaction of a charger delivering its offline backlog', () => {
  const { h: service, chargers } = smartChargingService();
  let h: OcppHarness;
  beforeAll(async () => {
    h = service();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCRTB', { status: 'Accepted' });
  });

  type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };
  const row = async (stationId: string) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[]).find((r) => r.chargingProfileId === 101);
  const txProfiles = (sets: Req16<'SetChargingProfile'>[]) => sets.filter((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile').map((s) => [s.csChargingProfiles.transactionId, s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit]);

  /** Online under a 16 A plan (applied and checked), `known` to need a TxProfile or not. */
  async function onlineAt16(known: boolean) {
    const c = offlineCharger(h.wsUrl);
    const id = await bootOnline(h, chargers, c.cp, 'SCRTB');
    if (known) await h.app.app.get(StationRepository).learnCapabilities(id, { txDefaultSkipsRunningTransaction: true });
    const first = constantPlan(id, [[1, 16]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(async () => (await row(id))?.planId === first.planId && (await row(id))?.verification !== null)).toBe(true);
    return { c, id };
  }

  /** Online at 16 A with transaction A running, then offline; the plan is cut to 10 A meanwhile. */
  async function offlineAfterSession(known: boolean) {
    const { c, id } = await onlineAt16(known);
    const a = await c.start();
    expect(c.limitNow()).toBe(16);
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    const cut = constantPlan(id, [[1, 10]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await row(id))?.planId === cut.planId && (await row(id))?.state === 'failed')).toBe(true);
    return { c, id, a, cut };
  }

  /** Online at 16 A with no session, then offline; the plan is cut to 10 A meanwhile. */
  async function offlineIdle(known: boolean) {
    const { c, id } = await onlineAt16(known);
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    const cut = constantPlan(id, [[1, 10]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(async () => (await row(id))?.planId === cut.planId && (await row(id))?.state === 'failed')).toBe(true);
    return { c, id, cut };
  }

  /**
   * Back online: the reconnect pass runs (and checks the cut) before the charger's backlog is
   * delivered; with `staleRunning`, it finds a transaction running in the database and sends it the TxProfile.
   */
  async function reconnect(c: ReturnType<typeof offlineCharger>, id: string, planId: string, staleRunning = true) {
    void c.cp.start();
    await c.cp.waitOpen();
    expect(await eventually(async () => (await row(id))?.planId === planId && (await row(id))?.state === 'applied' && (await row(id))?.verification !== null)).toBe(true);
    if (staleRunning) expect(await eventually(() => c.sets.some((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxProfile'))).toBe(true);
  }

  it.each([
    ['known to need a TxProfile', true],
    ['not yet known to need one (it learns it here)', false],
  ])('a session started offline is held to the cut once its start arrives, on a charger %s', async (_known, known) => {
    const { c, id, a, cut } = await offlineAfterSession(known);
    c.stopOffline();
    c.startOffline(); // under the 16 A default the charger holds
    await reconnect(c, id, cut.planId);
    // The pass sent A (ended offline) the TxProfile: refused. The session charging meanwhile runs at 16 A, which the check reports.
    expect(txProfiles(c.sets)).toEqual([[a, 10]]);
    expect(c.limitNow()).toBe(16);
    const notObeyed = () => h.events.of(Subjects.OcppChargingProfileFailed, id).filter((e) => e['status'] === 'NotObeyed');
    expect(await eventually(() => notObeyed().length > 0)).toBe(true);
    expect(notObeyed()).toEqual([expect.objectContaining({ planId: cut.planId, chargingProfileId: 101 })]);

    await c.deliver();
    const b = (await h.db.query(`SELECT max(transaction_id) AS id FROM transactions WHERE station_id = $1`, [id]))[0].id as number;
    expect(b).toBeGreaterThan(a);
    await h.app.app.get(ProfileRetry).run(); // nothing for it to send: the row reads applied
    expect(await eventually(() => c.limitNow() === 10)).toBe(true);
    expect(txProfiles(c.sets)).toEqual([[a, 10], [b, 10]]);
    // The planner hears the station controlled again, as when the need is learned online.
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, id).some((e) => e['purpose'] === 'TxProfile'))).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, id).find((e) => e['purpose'] === 'TxProfile')).toMatchObject({ planId: cut.planId, chargingProfileId: 301, connectorId: 1 });
    expect(await eventually(async () => (await row(id))?.verification === `verified: via TxProfile 301 for transaction ${b}`)).toBe(true);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities).toMatchObject({ txDefaultSkipsRunningTransaction: true });
  });

  it('a session ended offline with none after it costs one refused TxProfile and nothing else, nor does the next one started online', async () => {
    const { c, id, a, cut } = await offlineAfterSession(true);
    c.stopOffline();
    await reconnect(c, id, cut.planId);
    expect(txProfiles(c.sets)).toEqual([[a, 10]]);
    await c.deliver();
    await h.app.app.get(ProfileRetry).run();
    expect(c.limitNow()).toBe(10); // the TxDefaultProfile, for the next session
    expect(await row(id)).toMatchObject({ state: 'applied', verification: 'verified' });
    expect(h.events.of(Subjects.OcppChargingProfileFailed, id).filter((e) => e['status'] !== 'Offline' && e['status'] !== 'Timeout')).toEqual([]);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, id).filter((e) => e['planId'] === cut.planId)).toHaveLength(1);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities.txDefaultSkipsRunningTransaction).toBe(true);
    // The next session starts under the cut default: no TxProfile for it (its start's follow-up done, as the start was answered before it reached us).
    await c.start();
    expect(c.limitNow()).toBe(10);
    await h.app.app.get(StartedUnderOlderDefault).settled();
    expect(txProfiles(c.sets)).toEqual([[a, 10]]);
  });

  it.each([
    ['known to need a TxProfile', true],
    ['not yet known to need one (it learns it here)', false],
  ])('a session started offline while nothing ran in the database is held to the cut once its start arrives, on a charger %s', async (_known, known) => {
    const { c, id, cut } = await offlineIdle(known);
    c.startOffline(); // under the 16 A default the charger holds
    await reconnect(c, id, cut.planId, false);
    // No transaction known: the pass has none to send a TxProfile to. The session charges at 16 A, which the check reports.
    expect(txProfiles(c.sets)).toEqual([]);
    expect(c.limitNow()).toBe(16);
    const notObeyed = () => h.events.of(Subjects.OcppChargingProfileFailed, id).filter((e) => e['status'] === 'NotObeyed');
    expect(await eventually(() => notObeyed().length > 0)).toBe(true);

    await c.deliver();
    const b = (await h.db.query(`SELECT max(transaction_id) AS id FROM transactions WHERE station_id = $1`, [id]))[0].id as number;
    expect(await eventually(() => c.limitNow() === 10)).toBe(true);
    expect(txProfiles(c.sets)).toEqual([[b, 10]]);
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, id).some((e) => e['purpose'] === 'TxProfile'))).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, id).filter((e) => e['purpose'] === 'TxProfile')).toEqual([expect.objectContaining({ planId: cut.planId, chargingProfileId: 301, connectorId: 1 })]);
    expect(await eventually(async () => (await row(id))?.verification === `verified: via TxProfile 301 for transaction ${b}`)).toBe(true);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities).toMatchObject({ txDefaultSkipsRunningTransaction: true });
  });

  it.each([
    ['known to need a TxProfile', true],
    ['not known to need one', false],
  ])('a session started after the cut default was accepted gets no TxProfile nor another check, on a charger %s', async (_known, known) => {
    const { c, id, cut } = await offlineIdle(known);
    await reconnect(c, id, cut.planId, false);
    expect(await row(id)).toMatchObject({ state: 'applied', verification: 'verified' });
    const checked = c.checks.length;
    // Stamped after the acceptance: the charger starts it under the cut default.
    await c.start();
    expect(c.limitNow()).toBe(10);
    await h.app.app.get(StartedUnderOlderDefault).settled(); // a TxProfile or a check, were one due, has gone
    expect(txProfiles(c.sets)).toEqual([]);
    expect(c.checks).toHaveLength(checked);
    expect(await row(id)).toMatchObject({ state: 'applied', verification: 'verified' });
    expect(h.events.of(Subjects.OcppChargingProfileFailed, id).filter((e) => e['status'] === 'NotObeyed')).toEqual([]);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities.txDefaultSkipsRunningTransaction).toBe(known ? true : undefined);
  });
});
