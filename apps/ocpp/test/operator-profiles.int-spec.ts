import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';
import { constantPlan, publishPlanAt } from './smart-charging-harness.js';

type Installed = { chargingProfileId: number; connectorId: number; purpose: string; stackLevel: number; transactionId: number | null; inEffect: boolean };

/** A TxDefaultProfile (or `purpose`) under `id`, 16 A from ten minutes ago, no end. */
function profile(id: number, o: { purpose?: string; stackLevel?: number; transactionId?: number; limit?: number } = {}) {
  return {
    chargingProfileId: id,
    stackLevel: o.stackLevel ?? 2,
    chargingProfilePurpose: o.purpose ?? 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    ...(o.transactionId === undefined ? {} : { transactionId: o.transactionId }),
    chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: o.limit ?? 16 }] },
  };
}

/**
 * The profiles an operator installs with SetChargingProfile are shown with the station (they were
 * stored nowhere: an operator could not see what limits a charger held besides the grid's), as the
 * charger holds them: replaced by id or by connector, purpose and stack level, removed by an
 * accepted ClearChargingProfile or one the charger answers Unknown, a TxProfile gone with its transaction.
 */
describe('operator-installed charging profiles in the station view', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/OPPROF-1', { status: 'Accepted' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /**
   * A charger that keeps its profiles as OCPP 1.6 says (`held`: a new one replaces the one with its
   * id, or with its connector, purpose and stack level), refuses the ids in `refuse`, and answers
   * ClearChargingProfile with `clearAnswer`.
   */
  async function online(identity = uniqueStation('OPPROF'), boot: { chargePointSerialNumber?: string; chargeBoxSerialNumber?: string } = {}) {
    const cp = new ChargePoint16({ identity, url: h.wsUrl, reconnect: false });
    const o = { clearAnswer: 'Accepted' as 'Accepted' | 'Unknown', refuse: new Set<number>() };
    const held = new Map<number, { connectorId: number; purpose: string; stackLevel: number }>();
    cp.handle('SetChargingProfile', (req) => {
      const p = req.csChargingProfiles;
      if (o.refuse.has(p.chargingProfileId)) return { status: 'Rejected' };
      for (const [id, x] of held) {
        if (id === p.chargingProfileId || (x.connectorId === req.connectorId && x.purpose === p.chargingProfilePurpose && x.stackLevel === p.stackLevel)) held.delete(id);
      }
      held.set(p.chargingProfileId, { connectorId: req.connectorId, purpose: p.chargingProfilePurpose, stackLevel: p.stackLevel });
      return { status: 'Accepted' };
    });
    cp.handle('ClearChargingProfile', () => ({ status: o.clearAnswer }));
    cp.handle('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargeProfileMaxStackLevel: '8', NumberOfConnectors: '2' });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'OP', ...boot });
    return { cp, o, held };
  }
  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const installed = async (stationId: string) => (await api(h, 'GET', `/api/v1/stations/${stationId}/operator-profiles`)).body as Installed[];
  const ids = async (stationId: string) => (await installed(stationId)).map((p) => p.chargingProfileId);

  it('shows what the charger accepted, replaced by id or by connector, purpose and stack level; not what it refused', async () => {
    const { cp, o } = await online();
    expect((await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(500) })).status).toBe(200);
    expect((await command(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(510) })).status).toBe(200);
    expect(await installed(cp.identity)).toMatchObject([
      { chargingProfileId: 500, connectorId: 1, purpose: 'TxDefaultProfile', stackLevel: 2, transactionId: null, inEffect: true },
      { chargingProfileId: 510, connectorId: 2 },
    ]);
    // Same connector, purpose and stack level: 501 takes 500's place on the charger.
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(501, { limit: 10 }) });
    // Same id elsewhere: 510 moves to connector 1 at another level.
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(510, { stackLevel: 3 }) });
    expect((await installed(cp.identity)).map((p) => [p.chargingProfileId, p.connectorId, p.stackLevel])).toEqual([[501, 1, 2], [510, 1, 3]]);
    o.refuse.add(520);
    expect((await command(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(520) })).body).toMatchObject({ payload: { status: 'Rejected' } });
    expect(await ids(cp.identity)).toEqual([501, 510]);
  });

  it('an accepted ClearChargingProfile removes what its filter names; one answered Unknown, what it names too', async () => {
    const { cp, o } = await online();
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(600) });
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(601, { stackLevel: 3 }) });
    await command(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(602) });
    await command(cp.identity, 'ClearChargingProfile', { connectorId: 1, stackLevel: 3 });
    expect(await ids(cp.identity)).toEqual([600, 602]);
    o.clearAnswer = 'Unknown';
    await command(cp.identity, 'ClearChargingProfile', { id: 602 });
    expect(await ids(cp.identity)).toEqual([600]);
  });

  it("a TxProfile is the running transaction's, and goes with it", async () => {
    const { cp } = await online();
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'OPPROF-1', meterStart: 0, timestamp: new Date().toISOString() });
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(700, { purpose: 'TxProfile', stackLevel: 1 }) });
    expect(await installed(cp.identity)).toMatchObject([{ chargingProfileId: 700, purpose: 'TxProfile', transactionId }]);
    await send(cp, 'StopTransaction', { transactionId, meterStop: 100, timestamp: new Date().toISOString() });
    expect(await eventually(async () => (await ids(cp.identity)).length === 0)).toBe(true);
  });

  it("a station cap the operator installed before any plan goes from the view once the grid's station cap took its slot; smart charging's own are never listed", async () => {
    const { cp, held } = await online();
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body?.capabilities?.allowedChargingRateUnits !== undefined)).toBe(true);
    await command(cp.identity, 'SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(500, { purpose: 'ChargePointMaxProfile', stackLevel: 0, limit: 25 }) });
    await command(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(800) });
    expect(await ids(cp.identity)).toEqual([500, 800]);
    // The planner starts managing the station: its station cap (id 1) takes connector 0's ChargePointMaxProfile slot at level 0.
    await publishPlanAt(h, constantPlan(cp.identity, [[0, 40], [1, 20]]), new Date());
    const grid = async () => ((await api(h, 'GET', `/api/v1/stations/${cp.identity}/charging-profiles`)).body as { state: string }[]).filter((r) => r.state === 'applied').length;
    expect(await eventually(async () => (await grid()) === 2)).toBe(true);
    expect([...held.keys()]).not.toContain(500);
    expect(await ids(cp.identity)).toEqual([800]);
    expect((await api(h, 'GET', `/api/v1/stations/${uniqueStation('NOPE')}/operator-profiles`)).status).toBe(404);
  });

  it('a TxProfile goes once its transaction is over by the rule every other view follows (its StopTransaction lost, a later session on the connector)', async () => {
    const { cp } = await online();
    const start = async () => (await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'OPPROF-1', meterStart: 0, timestamp: new Date().toISOString() })).transactionId;
    const first = await start();
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(700, { purpose: 'TxProfile', stackLevel: 1 }) });
    expect((await installed(cp.identity)).map((p) => [p.chargingProfileId, p.transactionId])).toEqual([[700, first]]);
    // The first session's StopTransaction never came (discarded after its retries, §3.7.1); a new one starts on connector 1.
    const second = await start();
    const sessions = (await api(h, 'GET', `/api/v1/transactions?stationId=${cp.identity}`)).body.items as { transactionId: number; stopLost: boolean }[];
    expect(sessions.find((t) => t.transactionId === first)).toMatchObject({ stopLost: true });
    expect(second).not.toBe(first);
    expect(await ids(cp.identity)).toEqual([]);
  });

  it("a RemoteStartTransaction's TxProfile is listed once the charger accepted it and its transaction started, and goes with that transaction", async () => {
    const { cp } = await online();
    const txProfile = profile(710, { purpose: 'TxProfile', stackLevel: 1, limit: 12 });
    expect((await command(cp.identity, 'RemoteStartTransaction', { idTag: 'OPPROF-1', connectorId: 2, chargingProfile: txProfile })).body).toMatchObject({ payload: { status: 'Accepted' } });
    // Accepted, no transaction yet: the charger holds it for the session it is about to start, none is running.
    expect(await ids(cp.identity)).toEqual([]);
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'OPPROF-1', meterStart: 0, timestamp: new Date().toISOString() });
    expect(await installed(cp.identity)).toMatchObject([{ chargingProfileId: 710, connectorId: 2, purpose: 'TxProfile', stackLevel: 1, transactionId, inEffect: true }]);
    // Another install meanwhile keeps it (its transaction runs).
    await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(711) });
    expect(await ids(cp.identity)).toEqual([711, 710]);
    await send(cp, 'StopTransaction', { transactionId, meterStop: 100, timestamp: new Date().toISOString() });
    expect(await ids(cp.identity)).toEqual([711]);
  });

  it("a RemoteStartTransaction's TxProfile installed before its transaction starts is not dropped by another install meanwhile", async () => {
    const { cp } = await online();
    await command(cp.identity, 'RemoteStartTransaction', { idTag: 'OPPROF-1', connectorId: 1, chargingProfile: profile(720, { purpose: 'TxProfile', stackLevel: 1 }) });
    await command(cp.identity, 'SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(721) });
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag: 'OPPROF-1', meterStart: 0, timestamp: new Date().toISOString() });
    expect((await installed(cp.identity)).map((p) => [p.chargingProfileId, p.connectorId, p.transactionId])).toEqual([[720, 1, transactionId], [721, 2, null]]);
  });

  it("a RemoteStartTransaction's TxProfile without a connector is listed on the connector its transaction started on", async () => {
    const { cp } = await online();
    await command(cp.identity, 'RemoteStartTransaction', { idTag: 'OPPROF-1', chargingProfile: profile(740, { purpose: 'TxProfile', stackLevel: 1 }) });
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 2, idTag: 'OPPROF-1', meterStart: 0, timestamp: new Date().toISOString() });
    expect((await installed(cp.identity)).map((p) => [p.chargingProfileId, p.connectorId, p.transactionId])).toEqual([[740, 2, transactionId]]);
  });

  it('a replaced unit (another serial number at boot) holds none of the old unit\'s profiles; a reboot of the same unit keeps them', async () => {
    const identity = uniqueStation('OPPROF');
    const first = await online(identity, { chargePointSerialNumber: 'SN-1', chargeBoxSerialNumber: 'BOX-1' });
    await command(identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(730) });
    await first.cp.stop();
    // The same unit reboots: it still holds them.
    const again = await online(identity, { chargePointSerialNumber: 'SN-1', chargeBoxSerialNumber: 'BOX-1' });
    expect(await ids(identity)).toEqual([730]);
    await again.cp.stop();
    // A new unit under the station's identity (the faulty one swapped).
    await online(identity, { chargePointSerialNumber: 'SN-2', chargeBoxSerialNumber: 'BOX-1' });
    expect(await ids(identity)).toEqual([]);
  });
});
