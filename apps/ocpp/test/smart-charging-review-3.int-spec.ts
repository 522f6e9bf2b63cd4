import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { DataSource } from 'typeorm';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { ChargingProfileRepository, type StationProfileRow } from '../src/smart-charging/charging-profile.repository.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { RunningTransactionCap } from '../src/smart-charging/running-transaction-cap.js';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import { StationRepository } from '../src/stations/station.repository.js';
import { api, send, type OcppHarness } from './harness.js';
import { constantPlan, publishPlanAt, smartChargingSuite } from './smart-charging-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('smart charging review 3', () => {
  const suite = smartChargingSuite('SCREV3');
  let h: OcppHarness;
  beforeAll(() => {
    h = suite.h();
  });
  const { online, row } = suite;
  const appliedPlan = async (stationId: string, id: number, planId: string) => {
    const r = await row(stationId, id);
    return r?.planId === planId && r.state === 'applied';
  };

  it('an older, higher plan accepted after a newer, lower one is replaced at once, not at the next retry pass (the grid limit held meanwhile)', async () => {
    const { cp, holds } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const made = Date.now();
    const older = constantPlan(cp.identity, [[1, 32]]);
    await publishPlanAt(h, older, new Date(made));
    expect(await eventually(() => appliedPlan(cp.identity, 101, older.planId))).toBe(true);
    const repository = h.app.app.get(ChargingProfileRepository);
    // What a pass on another replica (a lease renewal, a retry, the consumer of the older plan) read before the newer plan was stored.
    const staleRead: StationProfileRow[] = (await repository.forStation(cp.identity)).map((r) => ({ ...r, state: 'pending', due: 'unapplied' }));
    // An emergency cut.
    const newer = constantPlan(cp.identity, [[1, 10]]);
    await publishPlanAt(h, newer, new Date(made + 1_000));
    expect(await eventually(() => appliedPlan(cp.identity, 101, newer.planId))).toBe(true);
    expect(holds(101)).toBe(10);
    // That pass gets to send only now: the charger replaces the cut with the older 32 A.
    jest.spyOn(repository, 'forStation').mockResolvedValueOnce(staleRead);
    await h.app.app.get(LimitDispatcher).dispatch(cp.identity, { all: false, ctx: h.app.app.get(SessionRegistry).get(cp.identity) });
    // The suite's retry pass runs hourly: the cut must come back without it.
    expect(await eventually(async () => holds(101) === 10 && (await appliedPlan(cp.identity, 101, newer.planId)), 3_000)).toBe(true);
  });

  it("an operator's ClearChargingProfile that removed the station cap has it installed again at once, not at the next retry pass", async () => {
    const { cp, sets } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const p = constantPlan(cp.identity, [[0, 32], [1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await appliedPlan(cp.identity, 1, p.planId)) && (await appliedPlan(cp.identity, 101, p.planId)))).toBe(true);
    const capSends = () => sets.filter((s) => s.csChargingProfiles.chargingProfileId === 1).length;
    const before = capSends();
    // The charger runs without the fail-safe cap from this answer on.
    const cleared = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ClearChargingProfile`, { id: 1 });
    expect(cleared.body.payload).toEqual({ status: 'Accepted' });
    // The suite's retry pass runs hourly: the cap must come back without it.
    expect(await eventually(async () => capSends() > before && (await appliedPlan(cp.identity, 1, p.planId)), 3_000)).toBe(true);
  });

  it('two passes sending the same pending profile (the consumer on one replica, the retry pass on the holder) publish one applied event, not two', async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const caller = h.app.app.get(StationCaller);
    const real = caller.setProfile.bind(caller);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const setProfile = jest.spyOn(caller, 'setProfile');
    // The consumer's pass: its CALL is slow to come back.
    setProfile.mockImplementationOnce(async (...args) => {
      await gate;
      return real(...args);
    }).mockImplementation(real);
    const p = constantPlan(cp.identity, [[1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => setProfile.mock.calls.length === 1)).toBe(true);
    // Meanwhile the replica holding the socket finds the row pending and sends it too (its own pass chain knows nothing of the other).
    const holderPass = (h.app.app.get(LimitDispatcher) as unknown as { pass: (id: string, o: object) => Promise<void> }).pass(cp.identity, { all: false, ctx: h.app.app.get(SessionRegistry).get(cp.identity) });
    await holderPass;
    expect(await appliedPlan(cp.identity, 101, p.planId)).toBe(true);
    release();
    expect(await eventually(() => setProfile.mock.calls.length === 2 && h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length >= 1)).toBe(true);
    // The planner counts each applied event as one answer to the plan: a second one would stand for a connector not answered yet.
    await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length > 1, 1_500);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(1);
  });

  it('a pass recording the plan accepted while another pass records it too (both answered, on two replicas) waits for that one and finds it: one applied event', async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const repository = h.app.app.get(ChargingProfileRepository);
    const db = h.app.app.get(DataSource);
    const p = constantPlan(cp.identity, [[1, 16]]);
    await db.transaction((tx) =>
      repository.upsertDesired(tx, { stationId: cp.identity, chargingProfileId: 101, connectorId: 1, purpose: 'TxDefaultProfile', stackLevel: 0, desired: p.connectors[0]!, planId: p.planId, planOccurredAt: new Date().toISOString() }),
    );
    const sentAt = new Date(Date.now() - 1_000); // both passes sent before either recorded
    // The other replica's pass records its accept, and has not committed yet.
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      expect(await repository.recordOutcome(other.manager, cp.identity, 101, { state: 'applied', applied: { chargingProfileId: 101 }, result: 'Accepted', planId: p.planId })).toBe(true);
      let settled = false;
      const ours = db.transaction((tx) => repository.appliedSince(tx, cp.identity, 101, p.planId, sentAt)).finally(() => (settled = true));
      await sleep(300);
      // It waits for the row the other pass holds, rather than reading it pending and publishing `applied` a second time.
      expect(settled).toBe(false);
      await other.commitTransaction();
      expect(await ours).toBe(true);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });

  it("a connector profile refused at level 1 and at level 0 keeps the lease fallback the charger took: it is the connector's only limit", async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const calls: string[] = [];
    // Firmware refusing the plan's value whatever the level (above the 13 A it takes); the 6 A fallback passes. (A value refused
    // only for its decimal, 16.2 to a naive multipleOf check, now goes again in whole amperes: smart-charging-grid-quirks.)
    cp.handle('SetChargingProfile', (req) => {
      const p = req.csChargingProfiles;
      calls.push(`${p.chargingProfileId}@${p.stackLevel}`);
      return { status: p.chargingSchedule.chargingSchedulePeriod.some((x) => x.limit > 13) ? 'Rejected' : 'Accepted' };
    });
    cp.handle('ClearChargingProfile', (req) => {
      calls.push(`clear ${String(req.id)}`);
      return { status: 'Accepted' };
    });
    const p = constantPlan(cp.identity, [[1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await row(cp.identity, 101))?.state === 'rejected')).toBe(true);
    await eventually(() => calls.includes('clear 201'), 1_000);
    expect(calls).toEqual(['201@0', '101@1', '101@0']);
  });

  it("a running transaction's TxProfile of a plan superseded meanwhile is followed at once by the current plan (both profiles)", async () => {
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-REV3', { status: 'Accepted' });
    const { cp, holds } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    // A charger known to apply a TxDefaultProfile to new transactions only: every limit also goes to the running one.
    await h.app.app.get(StationRepository).learnCapabilities(cp.identity, { txDefaultSkipsRunningTransaction: true });
    await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'FLEET-REV3', meterStart: 0, timestamp: new Date().toISOString() });
    const older = constantPlan(cp.identity, [[1, 32]]);
    await publishPlanAt(h, older, new Date());
    expect(await eventually(async () => (await appliedPlan(cp.identity, 101, older.planId)) && holds(301) === 32)).toBe(true);
    // A pass re-sends the older plan; between its TxDefaultProfile and the transaction's TxProfile an emergency cut is stored.
    const newer = constantPlan(cp.identity, [[1, 10]]);
    const cap = h.app.app.get(RunningTransactionCap) as unknown as { running: (stationId: string, connectorId: number) => Promise<number | undefined> };
    const running = cap.running.bind(cap);
    jest.spyOn(cap, 'running').mockImplementationOnce(async (stationId, connectorId) => {
      await h.app.app.get(DataSource).transaction((tx) =>
        h.app.app.get(ChargingProfileRepository).upsertDesired(tx, {
          stationId, chargingProfileId: 101, connectorId: 1, purpose: 'TxDefaultProfile', stackLevel: 0, desired: newer.connectors[0]!, planId: newer.planId, planOccurredAt: new Date().toISOString(),
        }),
      );
      return running(stationId, connectorId);
    });
    await h.app.app.get(LimitDispatcher).dispatch(cp.identity, { all: true, ctx: h.app.app.get(SessionRegistry).get(cp.identity) });
    expect(holds(301)).toBe(32);
    // The suite's retry pass runs hourly: the cut must reach the transaction without it.
    expect(await eventually(async () => holds(301) === 10 && holds(101) === 10 && (await appliedPlan(cp.identity, 101, newer.planId)), 3_000)).toBe(true);
  });
});
