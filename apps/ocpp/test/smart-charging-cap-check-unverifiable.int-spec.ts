import { afterAll, afterEach, beforeAll, jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import { type ChargePoint16, OcppCallError } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { CheckRetries } from '../src/smart-charging/check-retry.js';
import { LimitDispatcher } from '../src/smart-charging/limit-dispatcher.js';
import { api, type OcppHarness, startOcpp } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

type Row = { chargingProfileId: number; planId: string; state: string; verification: string | null };

/** First retry of an unverifiable check after 150 ms, then 300, 600, 1200 ms. */
const RETRY_MS = 150;
const ALL_RETRIES_MS = RETRY_MS * (1 + 2 + 4 + 8);
const CALL_TIMEOUT_MS = 1_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An emulated station cap (the charger refuses ChargePointMaxProfile) checked where sessions run, on
 * a charger not yet known to apply a changed default to new sessions only. The check of one session
 * got no usable answer (a CallError): the loop stopped there, the other session was never checked,
 * and nothing asked again until the next plan. A session keeping the older, higher share (16 A
 * under a 20 A cap cut to 10 A a connector) drew above the cap for as long as the plan held.
 */
describe('smart charging: an unverifiable check of the emulated cap where sessions run', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '900', OCPP_PROFILE_RETRY_MS: '3600000', OCPP_PROFILE_CHECK_RETRY_MS: String(RETRY_MS), OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
    await api(h, 'PUT', '/api/v1/id-tags/FLEET-SCUV', { status: 'Accepted' });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h?.close();
  });

  const rows = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/charging-profiles`)).body as Row[];
  const cap = async (stationId: string) => (await rows(stationId)).find((r) => r.chargingProfileId === 1);
  const settled = async (stationId: string, planId: string) => {
    const r = await cap(stationId);
    return r?.planId === planId && r.state === 'applied' && r.verification !== null;
  };
  const committed = async (subject: string, stationId: string, planId: string, and = '') =>
    Number((await h.db.query(`SELECT count(*) AS n FROM outbox WHERE subject = $1 AND payload::jsonb->>'stationId' = $2 AND payload::jsonb->>'planId' = $3 ${and}`, [subject, stationId, planId]))[0].n);
  const learned = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}`)).body.capabilities.txDefaultSkipsRunningTransaction;

  /** Two connectors under an emulated 32 A cap (16 A each), sessions started under it on `connectors`. */
  async function capped(connectors: number[], newTransactionsOnly = true) {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCUV', refuseStationCap: true, newTransactionsOnly });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    for (const n of connectors) await c.start(n, 'FLEET-SCUV');
    /**
     * From now on: GetCompositeSchedule for the connectors `failing` picks answers a CallError (while
     * it returns true), or with `late` answers only past the central system's timeout; the others, what the charger holds.
     */
    const asked: number[] = [];
    const fail = (failing: (connectorId: number, n: number) => boolean, late = false) =>
      c.cp.handle('GetCompositeSchedule', async (req) => {
        asked.push(req.connectorId);
        const failed = failing(req.connectorId, asked.filter((x) => x === req.connectorId).length);
        if (failed && !late) throw new OcppCallError('InternalError', 'schedule not available');
        if (failed) await sleep(CALL_TIMEOUT_MS + 200);
        return {
          status: 'Accepted',
          connectorId: req.connectorId,
          scheduleStart: new Date().toISOString(),
          chargingSchedule: { duration: req.duration, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: c.limitNow(req.connectorId) }] },
        };
      });
    return { c, id, asked, fail, cut: constantPlan(id, [[0, 20]]) };
  }

  it.each([
    ['a CallError', false],
    ['no answer in time', true],
  ])('checks the other session when the first one checked gets %s, and holds it', async (_how, late) => {
    const { c, id, fail, cut } = await capped([1, 2]);
    let victim: number | undefined;
    fail((connectorId) => (victim ??= connectorId) === connectorId, late);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false }); // after the pass's checks and TxProfiles
    // Before: the loop stopped at the unanswered check; the other session kept 16 A (26 A under a 20 A cap).
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([10, 10]);
    expect(await learned(id)).toBe(true);
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
  });

  it('checks the other session when the first one checked gets no answer, and records the cap unverifiable though the other passes', async () => {
    // A charger applying the cut default to running sessions: the session answered passes.
    const { c, id, asked, fail, cut } = await capped([1, 2], false);
    let victim: number | undefined;
    fail((connectorId) => (victim ??= connectorId) === connectorId);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await h.app.app.get(LimitDispatcher).dispatch(id, { all: false });
    // Before: only the first connector was asked.
    expect([...new Set(asked)].sort()).toEqual([1, 2]);
    expect([c.limitNow(1), c.limitNow(2)]).toEqual([10, 10]);
    // The passing check must not hide the unanswered one.
    expect((await cap(id))?.verification).toMatch(new RegExp(`^unverifiable: InternalError: schedule not available.*connector ${victim}`));
    expect(await learned(id)).toBeUndefined();
  });

  it('asks again later when the only session checked gets no answer, and holds it then', async () => {
    const { c, id, asked, fail, cut } = await capped([2]);
    fail((connectorId, n) => connectorId === 2 && n === 1); // unanswered once
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    // Before: nothing asked again; the session kept 16 A under the 10 A share for the whole plan.
    expect(await eventually(() => c.limitNow(2) === 10, 10 * ALL_RETRIES_MS)).toBe(true);
    expect(asked.filter((n) => n === 2).length).toBeGreaterThanOrEqual(2);
    // The TxProfile's own check, then the need learned.
    expect(await eventually(async () => ((await cap(id))?.verification ?? '').startsWith('verified: via TxProfile 302') && (await learned(id)) === true)).toBe(true);
    await h.app.app.get(CheckRetries).settled();
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(await committed(Subjects.OcppChargingProfileApplied, id, cut.planId, `AND payload::jsonb->>'purpose' = 'TxProfile'`)).toBe(1);
  });

  it('asks a bounded number of times when the check stays unanswered', async () => {
    const { id, asked, fail, cut } = await capped([2]);
    fail(() => true);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    await sleep(2 * ALL_RETRIES_MS);
    await h.app.app.get(CheckRetries).settled();
    // The pass's check and four retries.
    expect(asked.filter((n) => n === 2)).toHaveLength(5);
    expect((await cap(id))?.verification).toMatch(/^unverifiable/);
  });

  it('asks nothing again once the station is offline (its reconnect sends and checks everything anew)', async () => {
    const { c, id, asked, fail, cut } = await capped([2]);
    fail(() => true);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    const before = asked.length;
    await c.cp.stop();
    expect(await eventually(() => h.app.app.get(SessionRegistry).get(id) === undefined)).toBe(true);
    await sleep(2 * ALL_RETRIES_MS);
    await h.app.app.get(CheckRetries).settled();
    expect(asked.length).toBe(before);
  });

  it('asks nothing again once a check of another row of the plan published NotObeyed (one per plan answer)', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '2', ChargeProfileMaxStackLevel: '2' }, { prefix: 'SCUV', refuseStationCap: true, newTransactionsOnly: true });
    const id = c.cp.identity;
    const first = constantPlan(id, [[0, 32], [1, 12]]);
    await publishPlanAt(h, first, new Date());
    expect(await eventually(() => settled(id, first.planId))).toBe(true);
    await c.start(1, 'FLEET-SCUV'); // under its own 12 A
    await c.start(2, 'FLEET-SCUV'); // under the cap's 16 A share
    // Firmware reporting 16 A whatever it holds (TxProfiles too); connector 2's first check unanswered.
    const asked: number[] = [];
    c.cp.handle('GetCompositeSchedule', (req) => {
      asked.push(req.connectorId);
      if (req.connectorId === 2 && asked.filter((n) => n === 2).length === 1) throw new OcppCallError('InternalError', 'schedule not available');
      return { status: 'Accepted', connectorId: req.connectorId, scheduleStart: new Date().toISOString(), chargingSchedule: { duration: req.duration, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } };
    });
    const cut = constantPlan(id, [[0, 20], [1, 8]]);
    await publishPlanAt(h, cut, new Date());
    expect(await eventually(() => settled(id, cut.planId))).toBe(true);
    expect(await eventually(async () => (await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)) === 1)).toBe(true);
    await sleep(2 * ALL_RETRIES_MS);
    await h.app.app.get(CheckRetries).settled();
    // Before: the retry found connector 2 above the cap too and published a second NotObeyed for the plan.
    expect(await committed(Subjects.OcppChargingProfileFailed, id, cut.planId, `AND payload::jsonb->>'status' = 'NotObeyed'`)).toBe(1);
    expect(asked.filter((n) => n === 2)).toHaveLength(1);
  });
});
