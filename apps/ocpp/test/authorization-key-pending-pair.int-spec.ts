import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const key = '0123456789abcdef0123456789abcdef';
const first = '1111111111111111aaaaaaaaaaaaaaaa';
const second = '2222222222222222bbbbbbbbbbbbbbbb';
const third = '3333333333333333cccccccccccccccc';
const basic = (id: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` });
type Answer = 'Accepted' | 'Rejected';
/** An answer after the CALL timed out (the charger took the key, its answer was lost): the SDK answers one CALL at a time. */
const late = () => new Promise<Answer>((resolve) => setTimeout(() => resolve('Accepted'), 1_700));

describe('AuthorizationKey changes left unanswered twice', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '1500' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /** A profile-1 charger booted with `key` that answers its ChangeConfigurations in turn. */
  async function charger(answers: (() => Promise<Answer>)[]) {
    const id = uniqueStation('KEYPAIR');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: key })).status).toBe(201);
    const cp = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false, basicAuthKey: key });
    cp.handle('ChangeConfiguration', async () => ({ status: await answers.shift()!() }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', boot);
    return { id, url: `${h.wsUrl}/${id}` };
  }
  const change = (id: string, value: string) => api(h, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value });

  it('keeps the first pending key beside the second: the charger may have taken either (it was displaced, locking out a charger that took it)', async () => {
    const { id, url } = await charger([late, late]);
    expect((await change(id, first)).status).toBe(504);
    expect((await change(id, second)).status).toBe(504);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(101);
    // Its first use retires every other key.
    for (const other of [key, second]) expect(await upgradeStatus(url, 'ocpp1.6', basic(id, other))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(101);
  });

  it('a refused third change gives both pending keys back', async () => {
    const { id, url } = await charger([late, late, async () => 'Rejected']);
    expect((await change(id, first)).status).toBe(504);
    expect((await change(id, second)).status).toBe(504);
    expect((await change(id, third)).body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, third))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(101);
    for (const other of [key, second]) expect(await upgradeStatus(url, 'ocpp1.6', basic(id, other))).toBe(401);
  });
});
