import { jest } from '@jest/globals';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { StationKeysRepository } from '../src/stations/station-keys.repository.js';
import { api, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const key = '0123456789abcdef0123456789abcdef';
const first = '1111111111111111aaaaaaaaaaaaaaaa';
const second = '2222222222222222bbbbbbbbbbbbbbbb';
const operators = '9999999999999999eeeeeeeeeeeeeeee';
const basic = (id: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` });
type Answer = 'Accepted' | 'Rejected' | 'RebootRequired';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Key changes queued behind one another: each is staged (pending) when queued, so the answer to
 * the first arrives while the second is already pending. Each answer must act on its own key only.
 */
describe('AuthorizationKey changes queued behind one another', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '1500' });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  /**
   * A profile-1 charger booted with `key`; `answer` decides each ChangeConfiguration by its value.
   * The first change's answer waits until the second change is queued (and staged).
   */
  async function charger(answer: (value: string) => Promise<Answer>) {
    const id = uniqueStation('KEYQ');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: key })).status).toBe(201);
    const cp = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false, basicAuthKey: key });
    cp.handle('ChangeConfiguration', async (req) => ({ status: await answer(String(req.value)) }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', boot);
    return { id, url: `${h.wsUrl}/${id}` };
  }
  const change = (id: string, value: string) => api(h, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value });

  /** Sends `first`, then `second` once `first` is at the charger; resolves with both replies. */
  async function queuedPair(id: string, firstAtCharger: Promise<void>) {
    const one = change(id, first);
    await firstAtCharger;
    const two = change(id, second);
    return Promise.all([one, two]);
  }

  it('two refused changes leave neither key valid (the refused first key came back as pending)', async () => {
    let atCharger!: () => void;
    const firstAtCharger = new Promise<void>((resolve) => (atCharger = resolve));
    const { id, url } = await charger(async (value) => {
      if (value === first) {
        atCharger();
        await sleep(400);
      }
      return 'Rejected';
    });
    const replies = await queuedPair(id, firstAtCharger);
    for (const reply of replies) expect(reply.body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, second))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
  });

  it('a refused first change does not stay valid beside a second left unanswered', async () => {
    let atCharger!: () => void;
    const firstAtCharger = new Promise<void>((resolve) => (atCharger = resolve));
    const { id, url } = await charger(async (value) => {
      if (value !== first) return sleep(1_700).then(() => 'Accepted' as const);
      atCharger();
      await sleep(400);
      return 'Rejected';
    });
    const [one, two] = await queuedPair(id, firstAtCharger);
    expect(one.body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    expect(two.status).toBe(504);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, second))).toBe(101);
  });

  for (const firstAnswer of ['RebootRequired', 'Accepted'] as const) {
    it(`the second key stays valid while its CALL is out after the first is answered ${firstAnswer} (it was dropped: a charger taking it at once got 401)`, async () => {
      let atCharger!: () => void;
      const firstAtCharger = new Promise<void>((resolve) => (atCharger = resolve));
      let secondKeyWhileOut: number | undefined;
      const { id, url } = await charger(async (value) => {
        if (value === first) {
          atCharger();
          await sleep(400);
          return firstAnswer;
        }
        // The first answer's effect is recorded by now; the charger takes the key and reconnects with it.
        await sleep(300);
        secondKeyWhileOut = await upgradeStatus(url, 'ocpp1.6', basic(id, second));
        return 'Accepted';
      });
      await queuedPair(id, firstAtCharger);
      expect(secondKeyWhileOut).toBe(101);
    });
  }

  it('a pending key whose promotion lost to an operator password change is refused, not admitted under the new one', async () => {
    const { id, url } = await charger(() => sleep(1_700).then(() => 'Accepted' as const));
    expect((await change(id, first)).status).toBe(504);
    const repository = h.app.app.get(StationKeysRepository);
    const promote = repository.promotePendingPassword.bind(repository);
    jest.spyOn(repository, 'promotePendingPassword').mockImplementation(async (stationId, hash) => {
      // The operator's new password commits between the check of the pending key and its promotion.
      expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { password: operators })).status).toBe(200);
      return promote(stationId, hash);
    });
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, first))).toBe(401);
    jest.restoreAllMocks();
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, operators))).toBe(101);
  });
});
