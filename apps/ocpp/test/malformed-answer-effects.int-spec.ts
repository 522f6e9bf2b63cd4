import { api, ocppSuite, RawClient, uniqueStation, upgradeStatus } from './harness.js';

/**
 * A CALLRESULT that is malformed or breaks its schema ends the command as FormationViolation (502),
 * but the charger did answer and may have acted: what the command would have changed is kept as
 * unknown, as for a timeout, not dropped as for a CallError.
 */
describe('OCPP commands answered by a malformed CALLRESULT', () => {
  const { ocpp } = ocppSuite({ OCPP_UNKNOWN_STATION_POLICY: 'reject' });
  const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });

  async function changeKey(answer: (uniqueId: string) => string) {
    const id = uniqueStation('MALF');
    const [oldKey, newKey] = ['malformed-old-0123456789', 'malformed-new-0123456789'];
    await api(ocpp(), 'PUT', `/api/v1/stations/${id}`, { securityProfile: 1, password: oldKey });
    const charger = await RawClient.open(`${ocpp().wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey));
    const reply = api(ocpp(), 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, { key: 'AuthorizationKey', value: newKey });
    const call = (await charger.next()) as [number, string, string];
    charger.send(answer(call[1]));
    const res = await reply;
    charger.close();
    return { res, newKeyStatus: await upgradeStatus(`${ocpp().wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey)) };
  }

  it('a malformed CALLRESULT to an AuthorizationKey change keeps the new key pending (the charger may have taken it)', async () => {
    const { res, newKeyStatus } = await changeKey((uid) => `[3,"${uid}",null]`);
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'FormationViolation' });
    expect(newKeyStatus).toBe(101);
  });

  it('a CALLRESULT breaking its schema likewise', async () => {
    const { res, newKeyStatus } = await changeKey((uid) => `[3,"${uid}",{"status":"Maybe"}]`);
    expect(res.status).toBe(502);
    expect(newKeyStatus).toBe(101);
  });

  it('a malformed CALLERROR is a refusal: the new key is not taken', async () => {
    const { res, newKeyStatus } = await changeKey((uid) => `[4,"${uid}","NotSupported","no"]`);
    expect(res.status).toBe(502);
    expect(newKeyStatus).toBe(401);
  });
});
