import { Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { SmartCharging16, type Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { ProfileRetry } from '../src/smart-charging/profile-retry.js';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/**
 * A one-connector charger without stack levels that installs what it accepts. With
 * `newTransactionsOnly` it plays firmware that applies a TxDefaultProfile to transactions started
 * after it (OCPP 1.6 §3.13.1 "default for new transactions"): a running one keeps the defaults it
 * started with, while a TxProfile for it applies at once.
 */
function sessionCharger(url: string, newTransactionsOnly: boolean) {
  const cp = new ChargePoint16({ identity: uniqueStation('TXP'), url, reconnect: false });
  const sets: Req16<'SetChargingProfile'>[] = [];
  let installed: SmartCharging16.InstalledProfile[] = [];
  let session: { transactionId: number; startedAt: Date; defaults: SmartCharging16.InstalledProfile[] } | undefined;
  readOnlyConfiguration(cp, {
    NumberOfConnectors: '1',
    ChargeProfileMaxStackLevel: '0',
    ChargingScheduleAllowedChargingRateUnit: 'Current',
    ChargingScheduleMaxPeriods: '24',
  });
  cp.handle('SetChargingProfile', (req) => {
    sets.push(req);
    const p = req.csChargingProfiles;
    // §3.13.1: a TxProfile only for the transaction running on its connector.
    if (p.chargingProfilePurpose === 'TxProfile' && (!session || (p.transactionId !== undefined && p.transactionId !== session.transactionId))) return { status: 'Rejected' };
    installed = [...installed.filter((i) => i.profile.chargingProfileId !== p.chargingProfileId), { connectorId: req.connectorId, profile: p as SmartCharging16.ChargingProfile }];
    return { status: 'Accepted' };
  });
  cp.handle('ClearChargingProfile', (req) => {
    const before = installed.length;
    installed = installed.filter((i) =>
      req.id !== undefined
        ? i.profile.chargingProfileId !== req.id
        : !((req.connectorId === undefined || i.connectorId === req.connectorId) &&
            (req.chargingProfilePurpose === undefined || i.profile.chargingProfilePurpose === req.chargingProfilePurpose) &&
            (req.stackLevel === undefined || i.profile.stackLevel === req.stackLevel)),
    );
    return { status: installed.length < before ? 'Accepted' : 'Unknown' };
  });
  /** What it applies now: a running transaction sees the defaults it started with when `newTransactionsOnly`. */
  const inEffect = () =>
    session && newTransactionsOnly ? [...installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxDefaultProfile'), ...session.defaults] : installed;
  cp.handle('GetCompositeSchedule', (req) => ({
    status: 'Accepted',
    ...SmartCharging16.compositeSchedule({
      profiles: inEffect(),
      connectorId: req.connectorId,
      from: new Date(),
      durationS: req.duration,
      unit: 'A',
      electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 },
      transaction: session && { startedAt: session.startedAt, transactionId: session.transactionId },
    }),
  }));
  return {
    cp,
    sets,
    async start(): Promise<number> {
      const startedAt = new Date();
      const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-1', meterStart: 0, timestamp: startedAt.toISOString() });
      session = { transactionId, startedAt, defaults: installed.filter((i) => i.profile.chargingProfilePurpose === 'TxDefaultProfile') };
      return transactionId;
    },
    async stop(): Promise<void> {
      await send(cp, 'StopTransaction', { transactionId: session!.transactionId, meterStop: 1000, timestamp: new Date().toISOString() });
      session = undefined;
      // §3.13.1: a TxProfile ends with its transaction.
      installed = installed.filter((i) => i.profile.chargingProfilePurpose !== 'TxProfile');
    },
    limitNow: () => SmartCharging16.compositeSchedule({
      profiles: inEffect(), connectorId: 1, from: new Date(), durationS: 60, unit: 'A', electrical: { voltageV: 230, phases: 3, maxCurrentA: 32 },
      transaction: session && { startedAt: session.startedAt, transactionId: session.transactionId },
    }).chargingSchedule?.chargingSchedulePeriod[0]?.limit,
  };
}

describe('limits reach the running transaction on chargers that apply TxDefaultProfile to new ones only', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-1', { status: 'Accepted' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function online(newTransactionsOnly: boolean) {
    const charger = sessionCharger(h.wsUrl, newTransactionsOnly);
    chargers.push(charger.cp);
    void charger.cp.start();
    await charger.cp.waitOpen();
    await send(charger.cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${charger.cp.identity}`)).body?.capabilities?.numberOfConnectors === 1)).toBe(true);
    return charger;
  }

  /** Plans `limit` A on connector 1 and waits until its profile has been checked. */
  async function limit(stationId: string, amps: number) {
    const start = new Date(Date.now() - 60_000).toISOString();
    const planId = crypto.randomUUID();
    const plan: PlannerStationLimitsPlanned = {
      planId, groupId: 'G1', stationId, reason: 'emergency', effectiveFrom: start,
      connectors: [{ connectorId: 1, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: amps }] } }],
    };
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, plan);
    const row = async () =>
      ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as { chargingProfileId: number; planId: string; verification: string | null; verifiedLimit: number }[]).find(
        (r) => r.chargingProfileId === 101 && r.planId === planId && r.verification !== null && !/^exceeded/.test(r.verification),
      );
    expect(await eventually(async () => (await row()) !== undefined)).toBe(true);
    return { planId, row: (await row())! };
  }

  const profilesSent = (sets: Req16<'SetChargingProfile'>[]) =>
    sets.map((s) => [s.csChargingProfiles.chargingProfileId, s.csChargingProfiles.chargingProfilePurpose, s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit, s.csChargingProfiles.transactionId ?? null]);

  it('cuts a running transaction with a TxProfile once the check finds it above its limit, learns that, and follows later limits both ways', async () => {
    const c = await online(true);
    const id = c.cp.identity;
    expect((await limit(id, 16)).row).toMatchObject({ verification: 'verified', verifiedLimit: 16 });
    const transactionId = await c.start();

    // The cut: accepted as TxDefaultProfile, yet the session keeps 16 A; the TxProfile brings it to 10 A.
    const cut = await limit(id, 10);
    expect(cut.row).toMatchObject({ verification: `verified: via TxProfile 301 for transaction ${transactionId}`, verifiedLimit: 10 });
    expect(c.limitNow()).toBe(10);
    expect(profilesSent(c.sets).slice(-2)).toEqual([[101, 'TxDefaultProfile', 10, null], [301, 'TxProfile', 10, transactionId]]);
    // The planner hears NotObeyed, then applied again (the station is controlled after all).
    const failed = h.events.of(Subjects.OcppChargingProfileFailed, id);
    expect(failed).toEqual([expect.objectContaining({ planId: cut.planId, status: 'NotObeyed', chargingProfileId: 101 })]);
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, id).some((e) => e['purpose'] === 'TxProfile'))).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, id).find((e) => e['purpose'] === 'TxProfile')).toMatchObject({ planId: cut.planId, chargingProfileId: 301, connectorId: 1 });
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities).toMatchObject({ txDefaultSkipsRunningTransaction: true });

    // Learned: a raise goes to the session at once, with no detour through NotObeyed.
    const raise = await limit(id, 14);
    expect(raise.row).toMatchObject({ verification: `verified: via TxProfile 301 for transaction ${transactionId}`, verifiedLimit: 14 });
    expect(c.limitNow()).toBe(14);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, id)).toHaveLength(1);

    // After the session: the TxDefaultProfile alone, as for any charger.
    await c.stop();
    const sentBefore = c.sets.length;
    expect((await limit(id, 12)).row).toMatchObject({ verification: 'verified', verifiedLimit: 12 });
    expect(profilesSent(c.sets.slice(sentBefore))).toEqual([[101, 'TxDefaultProfile', 12, null]]);

    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ocpp_running_transaction_profiles_total\{[^}]*trigger="exceeded"[^}]*outcome="accepted"[^}]*\} 1\b/);
    expect(metrics).toMatch(/ocpp_running_transaction_profiles_total\{[^}]*trigger="known"[^}]*outcome="accepted"[^}]*\} 1\b/);
  });

  it("an operator clearing TxProfiles removes the running transaction's limit: it is sent again by the retry pass", async () => {
    const c = await online(true);
    const id = c.cp.identity;
    await limit(id, 16);
    const transactionId = await c.start();
    await limit(id, 10);
    expect(c.limitNow()).toBe(10);
    expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/ClearChargingProfile`, { chargingProfilePurpose: 'TxProfile' })).body.payload).toEqual({ status: 'Accepted' });
    expect(c.limitNow()).toBe(16); // the session is back on the defaults it started with
    const row = async () => ((await api(h, 'GET', `/api/v1/stations/${id}/charging-profiles`)).body as { chargingProfileId: number; state: string }[]).find((r) => r.chargingProfileId === 101);
    expect((await row())?.state).toBe('pending');
    await h.app.app.get(ProfileRetry).run();
    expect(await eventually(async () => (await row())?.state === 'applied' && c.limitNow() === 10)).toBe(true);
    expect(profilesSent(c.sets).slice(-2)).toEqual([[101, 'TxDefaultProfile', 10, null], [301, 'TxProfile', 10, transactionId]]);
  });

  it('sends no TxProfile to a charger that applies the TxDefaultProfile to the running transaction', async () => {
    const c = await online(false);
    await limit(c.cp.identity, 16);
    await c.start();
    expect((await limit(c.cp.identity, 10)).row).toMatchObject({ verification: 'verified', verifiedLimit: 10 });
    expect(c.sets.every((s) => s.csChargingProfiles.chargingProfilePurpose === 'TxDefaultProfile')).toBe(true);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, c.cp.identity)).toEqual([]);
  });
});
