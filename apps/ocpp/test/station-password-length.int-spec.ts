import { hashPassword } from '../src/stations/password.js';
import { api, ocppSuite, uniqueStation, upgradeStatus } from './harness.js';

/**
 * Online guessing is held back only by the rate of scrypt checks for suspect identities (about 20
 * per second per replica), which an 8-character password does not survive. An operator-set
 * password is therefore held to the whitepaper's floor for an AuthorizationKey: 16 characters.
 */
describe('PUT /stations/{id}: the password is at least 16 characters', () => {
  const { ocpp } = ocppSuite({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });

  it('refuses 8 or 15 characters with a 400 naming the field and stores nothing; takes 16 and 64', async () => {
    const id = uniqueStation('PWLEN');
    for (const password of ['short-pw', 'fifteen-chars-x']) {
      const res = await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password });
      expect({ password, status: res.status }).toEqual({ password, status: 400 });
      const details = JSON.stringify(res.body.details);
      expect(details).toContain('password');
      expect(details).toContain('16');
      expect(details).not.toContain(password);
    }
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${id}`)).status).toBe(404);

    const sixteen = 'sixteen-chars-ok';
    expect(sixteen).toHaveLength(16);
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: sixteen })).status).toBe(201);
    expect(await upgradeStatus(`${ocpp().wsUrl}/${id}`, 'ocpp1.6', basic(id, sixteen))).toBe(101);
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { password: 'k'.repeat(64) })).status).toBe(200);
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { password: 'k'.repeat(65) })).status).toBe(400);
  });

  it('a shorter password stored before the rule still lets its charger in, also after a PUT without a password', async () => {
    const id = uniqueStation('PWOLD');
    const old = 'old-8chr';
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: 'placeholder-0123456789' })).status).toBe(201);
    await ocpp().db.query(`UPDATE stations SET password_hash = $2 WHERE id = $1`, [id, await hashPassword(old)]);
    expect((await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { validationPolicy: 'lenient' })).status).toBe(200);
    expect(await upgradeStatus(`${ocpp().wsUrl}/${id}`, 'ocpp1.6', basic(id, old))).toBe(101);
  });
});
