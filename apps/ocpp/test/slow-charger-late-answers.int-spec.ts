import { Subjects } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { startOcpp, type OcppHarness } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

const CALL_TIMEOUT_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Found in an end-to-end run (30 simulated chargers, two replicas, OCPP_CALL_TIMEOUT_MS=3000,
 * chargers answering SetChargingProfile 4.5 s after receipt): a charger that is slower than our timeout
 * answers its CALLs one at a time, in order (as the SDK and real firmware do). The plan's first
 * profile is taken late and recorded applied; the second one goes out as soon as the first timed out,
 * waits behind the first on the charger, and its answer comes more than one timeout after its own
 * timeout: "answer to no pending call (late after a timeout?) dropped". That connector stays failed
 * `Timeout` for good, so the planner counts the charger at its rating ("profile rejected") although it
 * holds and obeys every profile of the plan. In the run, four such chargers were counted at 32 A
 * for the whole 7 minutes (84 kW of a 95–330 kW target) and 63 % of session-seconds were paused.
 * A call's late window now counts from when the call before it was answered (OutboundCalls).
 */
describe('a slow charger answering in order has every accepted profile of a plan recorded', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '0', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
    await h.close();
  });

  it('a plan of two profiles, each answered Accepted 1.8 timeouts after the charger took it up, ends applied on both connectors', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' }, { prefix: 'EXLATE', composite: false });
    // The SDK handles inbound CALLs one at a time, so each answer waits for the one before it.
    c.cp.handle('SetChargingProfile', async () => {
      await sleep(1.8 * CALL_TIMEOUT_MS);
      return { status: 'Accepted' };
    });
    const p = constantPlan(c.cp.identity, [[0, 32], [1, 16]]);
    await publishPlanAt(h, p, new Date());
    const appliedConnectors = () =>
      new Set(h.events.of(Subjects.OcppChargingProfileApplied, c.cp.identity).filter((e) => e['planId'] === p.planId).map((e) => e['connectorId']));
    await eventually(() => appliedConnectors().size === 2, 8_000);
    // Both CALLs were accepted by the charger; the plan must not stay failed on either connector.
    expect([...appliedConnectors()].sort()).toEqual([0, 1]);
  });
});
