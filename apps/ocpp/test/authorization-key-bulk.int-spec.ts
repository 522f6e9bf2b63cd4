import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

describe('AuthorizationKey in a bulk command (one key for many stations)', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_CALL_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
    await h.close();
  });

  it('is a 400 before any station gets it; one station per request still goes', async () => {
    const asked: string[] = [];
    for (let i = 0; i < 2; i++) {
      const cp = new ChargePoint16({ identity: uniqueStation('AKB'), url: h.wsUrl, reconnect: false });
      cp.handle('ChangeConfiguration', () => (asked.push(cp.identity), { status: 'Accepted' }));
      chargers.push(cp);
      void cp.start();
      await cp.waitOpen();
      await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
    }
    const payload = { key: 'AuthorizationKey', value: '00112233445566778899aabbccddeeff' };
    const res = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: chargers.map((c) => c.identity), action: 'ChangeConfiguration', payload });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain(payload.value);
    expect(asked).toEqual([]);
    const one = await api(h, 'POST', '/api/v1/commands/bulk', { stationIds: [chargers[0]!.identity], action: 'ChangeConfiguration', payload });
    expect(one).toMatchObject({ status: 200, body: { results: [{ stationId: chargers[0]!.identity, status: 'ok', payload: { status: 'Accepted' } }] } });
    expect(asked).toEqual([chargers[0]!.identity]);
  });
});
