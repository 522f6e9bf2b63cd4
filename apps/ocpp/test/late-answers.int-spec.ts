import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, readOnlyConfiguration, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const CALL_TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function profile(id: number) {
  return {
    chargingProfileId: id,
    stackLevel: 2,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  };
}

/**
 * The charger's answer that arrives after the operator got 504 Timeout still says what it did: within
 * one call timeout after it, its effects are recorded as a timely answer's; later, it is dropped.
 */
describe('a charger answer arriving after the call timed out', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /** A charger that accepts SetChargingProfile after `o.delayMs`. */
  async function online() {
    const cp = new ChargePoint16({ identity: uniqueStation('LATE'), url: h.wsUrl, reconnect: false });
    const o = { delayMs: 0 };
    cp.handle('SetChargingProfile', async () => {
      await sleep(o.delayMs);
      return { status: 'Accepted' };
    });
    cp.handle('ClearCache', () => ({ status: 'Accepted' }));
    readOnlyConfiguration(cp, { ChargingScheduleAllowedChargingRateUnit: 'Current', ChargeProfileMaxStackLevel: '8', NumberOfConnectors: '2' });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LATE' });
    return { cp, o };
  }
  const command = (stationId: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${stationId}/commands/${action}`, payload);
  const ids = async (stationId: string) => ((await api(h, 'GET', `/api/v1/stations/${stationId}/operator-profiles`)).body as { chargingProfileId: number }[]).map((p) => p.chargingProfileId);

  it('a SetChargingProfile accepted after the timeout, within the window, is listed with the station', async () => {
    const { cp, o } = await online();
    o.delayMs = CALL_TIMEOUT_MS + 300;
    expect(await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(700) })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(await eventually(async () => (await ids(cp.identity)).includes(700), 3000)).toBe(true);
    // The station's queue moved on and answers as before.
    expect((await command(cp.identity, 'ClearCache', {})).status).toBe(200);
  });

  it('one accepted after the window is dropped: not listed', async () => {
    const { cp, o } = await online();
    o.delayMs = 2 * CALL_TIMEOUT_MS + 400;
    expect(await command(cp.identity, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(701) })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    await sleep(CALL_TIMEOUT_MS + 800);
    expect(await ids(cp.identity)).toEqual([]);
    expect((await command(cp.identity, 'ClearCache', {})).status).toBe(200);
  });

  /**
   * Answers whose hooks settled only rows still `Requested`, while the timeout had settled them
   * `TimedOut` already: a late refusal of a ReserveNow left a reservation the charger does not hold
   * live until its expiry, a late acceptance never showed it Accepted; a ChangeAvailability kept
   * showing TimedOut for what the charger answered.
   */
  describe('settling what the timeout recorded TimedOut', () => {
    async function online(status: 'Accepted' | 'Occupied' | 'Rejected') {
      const cp = new ChargePoint16({ identity: uniqueStation('LRES'), url: h.wsUrl, reconnect: false });
      cp.handle('ReserveNow', async () => {
        await sleep(CALL_TIMEOUT_MS + 300);
        return { status: status === 'Rejected' ? 'Occupied' : status };
      });
      cp.handle('ChangeAvailability', async () => {
        await sleep(CALL_TIMEOUT_MS + 300);
        return { status: status === 'Occupied' ? 'Rejected' : status };
      });
      cp.handle('GetConfiguration', () => ({ configurationKey: [] }));
      chargers.push(cp);
      void cp.start();
      await cp.waitOpen();
      await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LRES' });
      return cp;
    }
    const statusOf = async (stationId: string) =>
      ((await api(h, 'GET', `/api/v1/reservations?stationId=${stationId}`)).body as { items: { status: string }[] }).items.map((r) => r.status);
    const reserve = (stationId: string) =>
      api(h, 'POST', `/api/v1/stations/${stationId}/commands/ReserveNow`, { connectorId: 1, idTag: 'TAG-R', expiryDate: new Date(Date.now() + 3_600_000).toISOString() });

    it.each([
      ['Occupied', 'Occupied'],
      ['Accepted', 'Accepted'],
    ] as const)('answered %s late: the reservation reads %s, not TimedOut', async (answer, shown) => {
      const cp = await online(answer);
      expect(await reserve(cp.identity)).toMatchObject({ status: 504, body: { code: 'Timeout' } });
      expect(await statusOf(cp.identity)).toEqual(['TimedOut']);
      expect(await eventually(async () => (await statusOf(cp.identity))[0] === shown, 3000)).toBe(true);
    });

    it.each(['Rejected', 'Accepted'] as const)('a ChangeAvailability answered %s late shows that answer, not TimedOut', async (answer) => {
      const cp = await online(answer);
      const availability = async () => ((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body as { availability: { status: string }[] }).availability.map((a) => a.status);
      expect(await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ChangeAvailability`, { connectorId: 1, type: 'Inoperative' })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
      expect(await availability()).toEqual(['TimedOut']);
      expect(await eventually(async () => (await availability())[0] === answer, 3000)).toBe(true);
    });
  });
});
