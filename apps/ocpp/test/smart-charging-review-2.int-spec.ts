import { jest } from '@jest/globals';
import { Subjects, type OcppCommandReply, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Req16 } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import { api, type OcppHarness } from './harness.js';
import { constantPlan, publishPlanAt, smartChargingSuite } from './smart-charging-harness.js';

describe('smart charging review 2', () => {
  const suite = smartChargingSuite('SCREV2');
  let h: OcppHarness;
  beforeAll(() => {
    h = suite.h();
  });
  const { online, row } = suite;
  const hasState = async (stationId: string, id: number, planId: string, state: string) => {
    const r = await row(stationId, id);
    return r?.planId === planId && r.state === state;
  };
  const capabilities = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body?.capabilities as Record<string, unknown>;

  /** Replaces the charger's SetChargingProfile answer: `refuse` decides per request, the rest is accepted. */
  const answerProfiles = (cp: ChargePoint16, refuse: (req: Req16<'SetChargingProfile'>) => boolean) => {
    const sets: Req16<'SetChargingProfile'>[] = [];
    cp.handle('SetChargingProfile', (req) => {
      sets.push(req);
      return { status: refuse(req) ? 'Rejected' : 'Accepted' };
    });
    return sets;
  };

  it('a profile refused at stack level 1 and at level 0 alike does not teach "stack level 0 only": the level was not the reason', async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    // The charger has one connector: anything for connector 2 is refused, whatever its level.
    const sets = answerProfiles(cp, (req) => req.connectorId === 2);
    const made = Date.now();
    const p: PlannerStationLimitsPlanned = constantPlan(cp.identity, [[1, 16], [2, 16]]);
    await publishPlanAt(h, p, new Date(made));
    expect(await eventually(async () => (await hasState(cp.identity, 101, p.planId, 'applied')) && (await hasState(cp.identity, 102, p.planId, 'rejected')))).toBe(true);
    expect(sets.filter((s) => s.connectorId === 2).map((s) => s.csChargingProfiles.stackLevel)).toContain(0);
    expect((await capabilities(cp.identity))['onlyStackLevelZero']).not.toBe(true);
    // Connector 1 keeps its lease at level 1 with the next plan.
    const next = constantPlan(cp.identity, [[1, 10]]);
    await publishPlanAt(h, next, new Date(made + 1_000));
    expect(await eventually(() => hasState(cp.identity, 101, next.planId, 'applied'))).toBe(true);
    expect(sets.filter((s) => s.csChargingProfiles.chargingProfileId === 101).at(-1)?.csChargingProfiles).toMatchObject({ stackLevel: 1, chargingSchedule: { duration: expect.any(Number) } });
  });

  it("a plan's validUntil ends its connector limits there (the lease is not renewed past it, the fallback takes over); the station cap stays", async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2' });
    const sets = answerProfiles(cp, () => false);
    // Begun ten minutes ago, valid for two more: the planner that made it may be gone by then.
    const p: PlannerStationLimitsPlanned = { ...constantPlan(cp.identity, [[0, 32], [1, 16]]), validUntil: new Date(Date.now() + 120_000).toISOString() };
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await hasState(cp.identity, 101, p.planId, 'applied')) && (await hasState(cp.identity, 1, p.planId, 'applied')))).toBe(true);
    const sent = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).at(-1)!.csChargingProfiles;
    const schedule = sent(101).chargingSchedule;
    const endMs = Date.parse(schedule.startSchedule!) + schedule.duration! * 1000;
    expect(endMs).toBeLessThanOrEqual(Date.parse(p.validUntil!));
    expect(endMs).toBeGreaterThan(Date.parse(p.validUntil!) - 2_000);
    expect(sent(1).chargingSchedule.duration).toBeUndefined();
  });

  it("a send left unanswered does not overwrite the same plan's applied state recorded since by another replica's pass (no failed event)", async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' });
    const p = constantPlan(cp.identity, [[1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => hasState(cp.identity, 101, p.planId, 'applied'))).toBe(true);
    const dispatcher = h.app.app.get(LimitDispatcher);
    const ctx = h.app.app.get(SessionRegistry).get(cp.identity);
    // The replica that held the charger's old, half-open socket re-sends after a reconnect; its CALL
    // ends only at its timeout, while the replica holding the new socket re-sends and gets Accepted.
    let timeOut!: () => void;
    const unanswered = new Promise<void>((r) => (timeOut = r));
    const caller = h.app.app.get(StationCaller);
    const real = caller.setProfile.bind(caller);
    const setProfile = jest.spyOn(caller, 'setProfile');
    setProfile.mockImplementationOnce(async () => {
      await unanswered;
      return { status: 'error', code: 'Timeout', description: 'no answer' } as OcppCommandReply;
    }).mockImplementation(real);
    const oldReplicaPass = (dispatcher as unknown as { pass: (id: string, o: object) => Promise<void> }).pass(cp.identity, { all: true, ctx });
    expect(await eventually(() => setProfile.mock.calls.length === 1)).toBe(true);
    await dispatcher.dispatch(cp.identity, { all: true, ctx });
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, cp.identity).length >= 2)).toBe(true);
    timeOut();
    await oldReplicaPass;
    expect(await hasState(cp.identity, 101, p.planId, 'applied')).toBe(true);
    // Give a failed event generous time to show (none is the expected outcome).
    await eventually(() => h.events.of(Subjects.OcppChargingProfileFailed, cp.identity).length > 0, 1_500);
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toHaveLength(0);
  });

  it("a single-phase connector's lease fallback in W is the fallback current at one phase, not three (never above the fallback)", async () => {
    const { cp } = await online({ NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '2', ChargingScheduleAllowedChargingRateUnit: 'Power' });
    const sets = answerProfiles(cp, () => false);
    const p = constantPlan(cp.identity, [[1, 16]]);
    p.connectors[0]!.schedule.periods[0]!.numberPhases = 1;
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => hasState(cp.identity, 101, p.planId, 'applied'))).toBe(true);
    const sent = (id: number) => sets.filter((s) => s.csChargingProfiles.chargingProfileId === id).at(-1)!.csChargingProfiles.chargingSchedule;
    expect(sent(101).chargingSchedulePeriod[0]).toEqual({ startPeriod: 0, limit: 3680, numberPhases: 1 });
    // 6 A (OCPP_PROFILE_LEASE_FALLBACK_A) on one phase at 230 V; at three it would be 4,140 W, 18 A on that one phase.
    expect(sent(201)).toMatchObject({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 1380, numberPhases: 1 }] });
  });

  it('once a pass learns "stack level 0 only", its later connectors go at level 0 at once (no refused level-1 try, no fallback installed and cleared each)', async () => {
    const { cp } = await online({ NumberOfConnectors: '3', ChargeProfileMaxStackLevel: '2' });
    // Firmware that reports stack levels but refuses any level above 0.
    const sets = answerProfiles(cp, (req) => req.csChargingProfiles.stackLevel > 0);
    const p = constantPlan(cp.identity, [[1, 16], [2, 16], [3, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(async () => (await hasState(cp.identity, 102, p.planId, 'applied')) && (await hasState(cp.identity, 103, p.planId, 'applied')))).toBe(true);
    const ids = sets.map((s) => `${s.csChargingProfiles.chargingProfileId}@${s.csChargingProfiles.stackLevel}`);
    // Connector 1 teaches it (fallback, level 1 refused, level 0); connectors 2 and 3 follow at level 0.
    expect(ids).toEqual(['201@0', '101@1', '101@0', '102@0', '103@0']);
  });
});
