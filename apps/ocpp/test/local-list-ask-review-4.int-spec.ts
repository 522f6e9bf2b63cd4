import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { api, replicaPair, testChargers } from './harness.js';
import { fullList, holdNextListRecord, uniqueTag, until } from './local-list-helpers.js';

/**
 * An operator's SendLocalList takes no claim (it names its version): the claim an operator's
 * GetLocalListVersion holds does not stop one on another replica. A version the ask got before it,
 * recorded late, must not replace the list that update recorded.
 */
describe("an operator's GetLocalListVersion recorded late, after an operator's SendLocalList on another replica", () => {
  const { a, b } = replicaPair({ OCPP_CALL_TIMEOUT_MS: '800' });
  const onA = testChargers(a);
  const onB = testChargers(b);
  const stationList = async (stationId: string) => (await api(a(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;

  function charger() {
    const state = { version: 0 };
    const install = (cp: ChargePoint16) => {
      cp.handle('SendLocalList', (req: Ocpp16.SendLocalListRequest) => ((state.version = req.listVersion), { status: 'Accepted' as const }));
      cp.handle('GetLocalListVersion', () => ({ listVersion: state.version }));
    };
    return { state, install };
  }

  it('keeps the version the later update recorded (5), not the late answer (3)', async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(a(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const cs = charger();
    const cp = await onA.booted(undefined, cs.install);
    const station = cp.identity;
    expect((await api(a(), 'POST', `/api/v1/stations/${station}/commands/SendLocalList`, fullList(3, x))).status).toBe(200);

    const held = holdNextListRecord(a());
    const asked = api(a(), 'POST', `/api/v1/stations/${station}/commands/GetLocalListVersion`, {});
    try {
      await until(async () => held.reached(), (r) => r, "A's record of the operator's answer started");
      // The charger reconnects to B, where the operator sends a Full list v5.
      await cp.stop();
      await onB.booted(station, cs.install);
      expect((await api(b(), 'POST', `/api/v1/stations/${station}/commands/SendLocalList`, fullList(5, x, y))).status).toBe(200);
      expect(cs.state.version).toBe(5);
      expect(await stationList(station)).toMatchObject({ listVersion: 5, certain: true });
    } finally {
      held.release();
    }
    expect(JSON.stringify((await asked).body)).toContain('"listVersion":3');
    // The charger holds v5 [X, Y]: so must the list (before: version 3, uncertain).
    expect(await stationList(station)).toMatchObject({ listVersion: 5, certain: true, repairPending: false });
  });
});
