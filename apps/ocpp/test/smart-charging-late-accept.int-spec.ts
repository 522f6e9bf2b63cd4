import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { StationCaller } from '../src/smart-charging/station-caller.js';
import { api, startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

const CALL_TIMEOUT_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type ViewRow = { chargingProfileId: number; planId: string; state: string; inEffect: boolean; applied: unknown; verification: string | null; verifiedLimit: number | null };

/** A gate the charger's answer waits on until the test opens it. */
function gate() {
  let open!: () => void;
  const closed = new Promise<void>((r) => (open = r));
  return { closed, open };
}

/**
 * A grid profile the charger accepts after our timeout (within the late-answer window of
 * `OutboundCalls`) is on the charger: recorded applied and published for its plan, unless a newer
 * plan took the row meanwhile.
 */
describe('grid profile accepted after the call timed out', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  const view = async (stationId: string, id: number) =>
    ((await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as ViewRow[]).find((r) => r.chargingProfileId === id);
  const ofPlan = (subject: string, stationId: string, planId: string) => h.events.of(subject, stationId).filter((e) => e['planId'] === planId);

  /** A one-connector charger without stack levels (no lease, no fallback) answering each SetChargingProfile once `answers` says (no GetCompositeSchedule). */
  async function online(answers: (limit: number) => Promise<'Accepted' | 'Rejected'>) {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' }, { prefix: 'SCLATE', composite: false });
    const sets: number[] = [];
    c.cp.handle('SetChargingProfile', async (req) => {
      const limit = req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit;
      sets.push(limit);
      return { status: await answers(limit) };
    });
    return { cp: c.cp, sets };
  }

  it('is recorded applied and published as applied for its plan after the timeout failure, then checked; the view shows it in effect', async () => {
    const late = gate();
    // The suite's charger (installs what it accepts, answers GetCompositeSchedule from it), its answer held.
    const { cp, behaviour } = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' }, { prefix: 'SCLATE' });
    behaviour.hold = late.closed;
    const p = constantPlan(cp.identity, [[1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => ofPlan(Subjects.OcppChargingProfileFailed, cp.identity, p.planId).length > 0, 5_000)).toBe(true);
    expect(ofPlan(Subjects.OcppChargingProfileFailed, cp.identity, p.planId)[0]).toMatchObject({ status: 'Timeout', connectorId: 1 });
    expect(await view(cp.identity, 101)).toMatchObject({ planId: p.planId, state: 'failed' });
    late.open();
    expect(await eventually(() => ofPlan(Subjects.OcppChargingProfileApplied, cp.identity, p.planId).length > 0, 3_000)).toBe(true);
    expect(ofPlan(Subjects.OcppChargingProfileApplied, cp.identity, p.planId)[0]).toMatchObject({ connectorId: 1, chargingProfileId: 101 });
    expect(await view(cp.identity, 101)).toMatchObject({ planId: p.planId, state: 'applied', inEffect: true });
    // Followed up as a timely acceptance: checked against what the charger applies.
    expect(await eventually(async () => (await view(cp.identity, 101))?.verification != null, 3_000)).toBe(true);
    expect(await view(cp.identity, 101)).toMatchObject({ planId: p.planId, state: 'applied', verifiedLimit: 16 });
    expect(h.events.of(Subjects.OcppChargingProfileFailed, cp.identity)).toHaveLength(1); // the timeout only: no NotObeyed
    await sleep(300);
    expect(ofPlan(Subjects.OcppChargingProfileApplied, cp.identity, p.planId)).toHaveLength(1);
  });

  it("an older plan's profile accepted late, after the newer plan went out, marks neither plan applied", async () => {
    const older = gate();
    const newer = gate();
    const { cp } = await online(async (limit) => {
      if (limit === 16) {
        await older.closed;
        return 'Accepted';
      }
      await newer.closed;
      return 'Rejected';
    });
    const p = constantPlan(cp.identity, [[1, 16]]);
    await publishPlanAt(h, p, new Date());
    expect(await eventually(() => ofPlan(Subjects.OcppChargingProfileFailed, cp.identity, p.planId).length > 0, 5_000)).toBe(true);
    const q = constantPlan(cp.identity, [[1, 10]]);
    // The charger answers its CALLs one at a time: the older acceptance goes once the newer plan's
    // CALL is out (in flight, unanswered), as a charger busy with the first would answer.
    const setProfile = jest.spyOn(h.app.app.get(StationCaller), 'setProfile');
    await publishPlanAt(h, q, new Date());
    expect(await eventually(() => setProfile.mock.calls.length > 0, 3_000)).toBe(true);
    await sleep(100);
    older.open();
    await sleep(400);
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(0);
    // What the charger holds until the newer plan's answer: the older form, the newer plan still unanswered.
    expect(await view(cp.identity, 101)).toMatchObject({ planId: q.planId, state: 'pending', applied: { chargingSchedule: { chargingSchedulePeriod: [{ limit: 16 }] } } });
    newer.open();
    expect(await eventually(() => ofPlan(Subjects.OcppChargingProfileFailed, cp.identity, q.planId).length > 0, 3_000)).toBe(true);
    expect(ofPlan(Subjects.OcppChargingProfileFailed, cp.identity, q.planId)[0]).toMatchObject({ status: 'Rejected' });
    expect(await view(cp.identity, 101)).toMatchObject({ planId: q.planId, state: 'rejected' });
    expect(h.events.of(Subjects.OcppChargingProfileApplied, cp.identity)).toHaveLength(0);
  });
});
