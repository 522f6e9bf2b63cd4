import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { OcppCallError } from '@cpo/ocpp-protocol';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const CALL_TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The charger answers with a CallError after the operator got 504 Timeout: it did not act after all.
 * What the timeout recorded `TimedOut` (it may have) reads `Failed`, as a timely CallError leaves it.
 */
describe('a CallError arriving after the call timed out', () => {
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

  async function online() {
    const cp = new ChargePoint16({ identity: uniqueStation('LERR'), url: h.wsUrl, reconnect: false });
    const late = async (): Promise<never> => {
      await sleep(CALL_TIMEOUT_MS + 300);
      throw new OcppCallError('InternalError', 'could not do it');
    };
    cp.handle('ReserveNow', late);
    cp.handle('ChangeAvailability', late);
    cp.handle('GetConfiguration', () => ({ configurationKey: [] }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'LERR' });
    return cp;
  }

  it('a ReserveNow: the reservation reads Failed, not TimedOut', async () => {
    const cp = await online();
    const statusOf = async () => ((await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body as { items: { status: string }[] }).items.map((r) => r.status);
    const reply = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 1, idTag: 'TAG-R', expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
    expect(reply).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(await statusOf()).toEqual(['TimedOut']);
    expect(await eventually(async () => (await statusOf())[0] === 'Failed', 3000)).toBe(true);
  });

  it('a ReserveNow replacing a held reservation: the held one reads held again, as after a timely CallError', async () => {
    const cp = await online();
    let first = true;
    cp.handle('ReserveNow', async () => {
      if (first) return (first = false), { status: 'Accepted' as const };
      await sleep(CALL_TIMEOUT_MS + 300);
      throw new OcppCallError('InternalError', 'could not do it');
    });
    const reservationId = 1_766_100_230;
    const reserve = (idTag: string) =>
      api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ReserveNow`, { connectorId: 1, idTag, reservationId, expiryDate: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await reserve('TAG-HELD')).status).toBe(200);
    expect(await reserve('TAG-NEW')).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    const live = async () =>
      ((await api(h, 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body as { items: { idTag: string; status: string }[] }).items.filter((r) => r.status !== 'Failed').map((r) => `${r.idTag}:${r.status}`);
    expect(await eventually(async () => (await live()).join() === 'TAG-HELD:Accepted', 3000)).toBe(true);
  });

  it('a ChangeAvailability: the request reads Failed, not TimedOut', async () => {
    const cp = await online();
    const availability = async () => ((await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body as { availability: { status: string }[] }).availability.map((a) => a.status);
    expect(await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/ChangeAvailability`, { connectorId: 1, type: 'Inoperative' })).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(await availability()).toEqual(['TimedOut']);
    expect(await eventually(async () => (await availability())[0] === 'Failed', 3000)).toBe(true);
  });
});
