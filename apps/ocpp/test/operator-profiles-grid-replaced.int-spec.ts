import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';
import { constantPlan, publishPlanAt } from './smart-charging-harness.js';

type Held = { chargingProfileId: number; connectorId: number; purpose: string; stackLevel: number };

/**
 * The operator-profiles view claims to show what the charger holds. Two ways it keeps showing a
 * profile the charger no longer has: one an operator installed before the station was grid-managed
 * sits in a slot (connector, purpose, stack level) that smart charging's own profile later takes
 * (the charger replaces it, OCPP 1.6 §3.13.2; smart charging's CALLs bypass the executor's hooks);
 * a TxProfile whose transaction is over by the lost-stop rule (`endedWithoutStopSql`) every other
 * view and ConcurrentTx follow.
 */
describe('operator profiles the charger no longer holds', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/OPGRID-1', { status: 'Accepted' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /** A charger that keeps its profiles as OCPP 1.6 says: a new one replaces the one with its id, or with its connector, purpose and stack level. */
  async function online() {
    const cp = new ChargePoint16({ identity: uniqueStation('OPGRID'), url: h.wsUrl, reconnect: false });
    const held = new Map<number, Held>();
    cp.handle('SetChargingProfile', (req) => {
      const p = req.csChargingProfiles;
      for (const [id, x] of held) {
        if (id === p.chargingProfileId || (x.connectorId === req.connectorId && x.purpose === p.chargingProfilePurpose && x.stackLevel === p.stackLevel)) held.delete(id);
      }
      held.set(p.chargingProfileId, { chargingProfileId: p.chargingProfileId, connectorId: req.connectorId, purpose: p.chargingProfilePurpose, stackLevel: p.stackLevel });
      return { status: 'Accepted' };
    });
    cp.handle('ClearChargingProfile', () => ({ status: 'Accepted' }));
    readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargeProfileMaxStackLevel: '8', NumberOfConnectors: '2' });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'OPG' });
    return { cp, held };
  }

  it("a station cap the operator installed before any plan is gone from the view once the grid's station cap replaced it", async () => {
    const { cp, held } = await online();
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.allowedChargingRateUnits !== undefined)).toBe(true);
    const operatorCap = {
      chargingProfileId: 500,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 25 }] },
    };
    const set = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/SetChargingProfile`, { connectorId: 0, csChargingProfiles: operatorCap });
    expect(set.body).toMatchObject({ payload: { status: 'Accepted' } });
    expect(((await api(h, 'GET', `/api/v1/stations/${cp.identity}/operator-profiles`)).body as Held[]).map((p) => p.chargingProfileId)).toEqual([500]);

    // The planner starts managing the station: its station cap (id 1) goes to the same slot.
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 20]]), new Date());
    const applied = async () => ((await api(h, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as { state: string }[]).filter((r) => r.state === 'applied').length;
    expect(await eventually(async () => (await applied()) === 2)).toBe(true);
    // The charger no longer holds 500: id 1 took connector 0's ChargePointMaxProfile slot at level 0.
    expect([...held.keys()]).not.toContain(500);

    const shown = ((await api(h, 'GET', `/api/v1/stations/${cp.identity}/operator-profiles`)).body as Held[]).map((p) => p.chargingProfileId);
    expect(shown).toEqual([]);
  });

  it('a TxProfile is gone once its transaction is over by the rule every other view follows (its StopTransaction lost, a later session on the connector)', async () => {
    const { cp } = await online();
    const start = async () => (await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'OPGRID-1', meterStart: 0, timestamp: new Date().toISOString() })).transactionId;
    const first = await start();
    const txProfile = {
      chargingProfileId: 700,
      stackLevel: 1,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    };
    await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/SetChargingProfile`, { connectorId: 1, csChargingProfiles: txProfile });
    expect(((await api(h, 'GET', `/api/v1/stations/${cp.identity}/operator-profiles`)).body as (Held & { transactionId: number })[]).map((p) => [p.chargingProfileId, p.transactionId])).toEqual([[700, first]]);

    // The first session's StopTransaction never came (discarded after its retries, §3.7.1); a new one starts on connector 1.
    const second = await start();
    const sessions = (await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items as { transactionId: number; stopLost: boolean }[];
    expect(sessions.find((t) => t.transactionId === first)).toMatchObject({ stopLost: true });
    expect(second).not.toBe(first);

    // The charger dropped 700 with the first transaction: the view must not show it beside the second one.
    expect(((await api(h, 'GET', `/api/v1/stations/${cp.identity}/operator-profiles`)).body as Held[]).map((p) => p.chargingProfileId)).toEqual([]);
  });
});
