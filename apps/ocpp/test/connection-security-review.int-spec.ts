import { api, RawClient, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const key = '0123456789abcdef0123456789abcdef';
const newKey = 'fedcba9876543210fedcba9876543210';
const basic = (id: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` });

describe('OCPP connection security review', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '3000' });
  });
  afterAll(async () => {
    await h.close();
  });

  /** A profile-1 station connected and booted with `key`, as a raw socket the test answers by hand. */
  async function securedCharger() {
    const id = uniqueStation('KEYROT');
    expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: key })).status).toBe(201);
    const url = `${h.wsUrl}/${id}`;
    const charger = await RawClient.open(url, 'ocpp1.6', basic(id, key));
    expect(await charger.call('BootNotification', boot)).toEqual([3, expect.any(String), expect.objectContaining({ status: 'Accepted' })]);
    return { id, url, charger };
  }

  /** Sends ChangeConfiguration AuthorizationKey through the API and returns the CALL the charger got, with the pending reply. */
  async function keyChange(id: string, charger: RawClient, value = newKey) {
    const reply = api(h, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value });
    let call = (await charger.next()) as [number, string, string, { key: string; value: string }];
    // Onboarding's own calls after the boot (GetConfiguration…) are answered as a charger without configuration would.
    while (call[2] !== 'ChangeConfiguration') {
      charger.send(call[2] === 'GetConfiguration' ? [3, call[1], { configurationKey: [] }] : [4, call[1], 'NotSupported', '', {}]);
      call = (await charger.next()) as typeof call;
    }
    expect(call).toEqual([2, expect.any(String), 'ChangeConfiguration', { key: 'AuthorizationKey', value }]);
    return { uniqueId: call[1], reply };
  }

  it('a charger that answers Accepted to a new AuthorizationKey and reconnects with it at once is let in (it was refused 401)', async () => {
    const { id, url, charger } = await securedCharger();
    const { uniqueId, reply } = await keyChange(id, charger);
    // Whitepaper A01: the charger confirms, drops its connection and comes back under the new key.
    charger.send([3, uniqueId, { status: 'Accepted' }]);
    charger.ws.close();
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
    expect((await reply).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
  });

  it('an AuthorizationKey outside 16–40 characters is refused (400) before it is sent: an empty key was sent and, accepted, let anyone in', async () => {
    const { id, url, charger } = await securedCharger();
    for (const value of ['', 'short-key', 'k'.repeat(41)]) {
      const refused = await api(h, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value });
      expect(refused.status).toBe(400);
    }
    // The charger only ever got onboarding's calls; the stored key is unchanged.
    for (;;) {
      const call = (await charger.next(500).catch(() => undefined)) as [number, string, string] | undefined;
      if (!call) break;
      expect(call[2]).not.toBe('ChangeConfiguration');
      charger.send(call[2] === 'GetConfiguration' ? [3, call[1], { configurationKey: [] }] : [4, call[1], 'NotSupported', '', {}]);
    }
    charger.close();
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, ''))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
  });

  it('a key change the charger refuses leaves only the old key valid', async () => {
    const { id, url, charger } = await securedCharger();
    const { uniqueId, reply } = await keyChange(id, charger);
    charger.send([3, uniqueId, { status: 'Rejected' }]);
    expect((await reply).body).toEqual({ status: 'ok', payload: { status: 'Rejected' } });
    charger.close();
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
  });

  it('a refused key change keeps a key still pending from an earlier RebootRequired', async () => {
    const { id, url, charger } = await securedCharger();
    const first = await keyChange(id, charger);
    charger.send([3, first.uniqueId, { status: 'RebootRequired' }]);
    expect((await first.reply).body).toEqual({ status: 'ok', payload: { status: 'RebootRequired' } });
    const third = 'aaaabbbbccccddddeeeeffff00001111';
    const second = await keyChange(id, charger, third);
    charger.send([3, second.uniqueId, { status: 'NotSupported' }]);
    expect((await second.reply).body).toEqual({ status: 'ok', payload: { status: 'NotSupported' } });
    charger.close();
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, third))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
    // The charger reboots onto the key it answered RebootRequired for.
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(401);
  });
});
