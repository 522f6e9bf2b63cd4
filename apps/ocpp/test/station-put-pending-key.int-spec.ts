import { SessionRecheck } from '../src/connection/session-recheck.js';
import { hashPassword } from '../src/stations/password.js';
import { api, ocppSuite, RawClient, uniqueStation, upgradeStatus } from './harness.js';

/**
 * A key the charger answered `RebootRequired` for is kept pending beside the current one until the
 * charger uses it. An operator re-sending the current key (`PUT /stations/{id}` with the same
 * password, e.g. a configuration sync) changes nothing for the charger, so it must not drop that
 * pending key: the charger takes it at its reboot and would be locked out (401) for good.
 */
describe('PUT /stations/{id} with the same password while a new key is pending', () => {
  const { ocpp } = ocppSuite({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });
  const [current, pending] = ['put-current-0123456789', 'put-pending-0123456789'];

  async function stationWithPendingKey(): Promise<string> {
    const id = uniqueStation('PUTPK');
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: current })).status).toBe(201);
    // What ChangeConfiguration AuthorizationKey answered RebootRequired leaves (ConfigurationEffects).
    await ocpp().db.query(`UPDATE stations SET pending_password_hash = $2 WHERE id = $1`, [id, await hashPassword(pending)]);
    return id;
  }

  it('keeps the pending key: the charger rebooted onto it is let in', async () => {
    const id = await stationWithPendingKey();
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { password: current })).status).toBe(200);
    const url = `${ocpp().wsUrl}/${id}`;
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, current))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, pending))).toBe(101);
    // Its first use retired the old key, as for any pending key.
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, current))).toBe(401);
  });

  it('another password still replaces both keys', async () => {
    const id = await stationWithPendingKey();
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { password: 'put-other-0123456789' })).status).toBe(200);
    const url = `${ocpp().wsUrl}/${id}`;
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, pending))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, current))).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, 'put-other-0123456789'))).toBe(101);
  });

  it('a session admitted with the pending key (promoted by that use) is not taken for a lost operator change by the re-check', async () => {
    const id = await stationWithPendingKey();
    const charger = await RawClient.open(`${ocpp().wsUrl}/${id}`, 'ocpp1.6', basic(id, pending));
    try {
      await ocpp().app.app.get(SessionRecheck).recheck('test');
      const open = await Promise.race([charger.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 300).unref())]);
      expect(open).toBe('still open');
    } finally {
      charger.close();
    }
  });
});
