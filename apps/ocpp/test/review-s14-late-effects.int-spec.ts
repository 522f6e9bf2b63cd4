import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const CALL_TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Review s14: answers after our timeout whose hooks settled only rows still `Requested`, while the
 * timeout had settled them `TimedOut` already. A ReserveNow answered after our timeout. The timeout settled the reservation
 * `TimedOut` (possibly held, live); the late answer's hook looked for a `Requested` row only, so a
 * late refusal left a reservation the charger does not hold live until its expiry, and a late
 * acceptance never showed it Accepted, although the late answer was logged and counted as applied.
 * A ChangeAvailability likewise kept showing TimedOut for what the charger answered.
 */
describe('a ReserveNow answered after the call timed out', () => {
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
