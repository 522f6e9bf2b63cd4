import { OCPI_TOKEN_AUTHORIZE_SUBJECT } from '@cpo/contracts';
import { testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { api, ocppSuite, send, startOcpp, testChargers, type OcppHarness } from './harness.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('OCPP authorization (third review)', () => {
  const { ocpp, booted } = ocppSuite({ OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: '200' });

  describe('ConcurrentTx after a StopTransaction the charger discarded', () => {
    const status = (connectorId: number, s: 'Finishing' | 'Reserved' | 'Charging' | 'SuspendedEV', timestamp: string) => ({ connectorId, status: s, errorCode: 'NoError' as const, timestamp });

    it('a connector that reported Finishing (its transaction has stopped, the cable is still in) or Reserved since the start no longer holds the tag', async () => {
      for (const tag of ['PARKED-1', 'PARKED-2', 'STILL-ON']) await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' });
      const [a, b] = [await booted(), await booted()];
      // Stopped by the card, StopTransaction discarded after its retries, car left plugged overnight:
      // OCPP 1.6 §7.7 Finishing is "a transaction has stopped at the connector".
      await send(a, 'StartTransaction', { connectorId: 1, idTag: 'PARKED-1', meterStart: 0, timestamp: minutesAgo(180) });
      await send(a, 'StatusNotification', status(1, 'Charging', minutesAgo(179)));
      await send(a, 'StatusNotification', status(1, 'Finishing', minutesAgo(60)));
      expect((await send(b, 'Authorize', { idTag: 'PARKED-1' })).idTagInfo).toEqual({ status: 'Accepted' });
      expect((await send(b, 'StartTransaction', { connectorId: 1, idTag: 'PARKED-1', meterStart: 0, timestamp: minutesAgo(1) })).idTagInfo).toEqual({ status: 'Accepted' });
      // A connector reserved since holds no transaction either (ReserveNow on a busy one is Occupied).
      await send(a, 'StartTransaction', { connectorId: 2, idTag: 'PARKED-2', meterStart: 0, timestamp: minutesAgo(180) });
      await send(a, 'StatusNotification', status(2, 'Reserved', minutesAgo(30)));
      expect((await send(b, 'Authorize', { idTag: 'PARKED-2' })).idTagInfo).toEqual({ status: 'Accepted' });
      // Still charging (or suspended by the car) is still running.
      await send(a, 'StartTransaction', { connectorId: 3, idTag: 'STILL-ON', meterStart: 0, timestamp: minutesAgo(180) });
      await send(a, 'StatusNotification', status(3, 'SuspendedEV', minutesAgo(30)));
      expect((await send(b, 'Authorize', { idTag: 'STILL-ON' })).idTagInfo.status).toBe('ConcurrentTx');
    });
  });
});

describe('roaming authorisation: waiting for the hub (third review)', () => {
  let h: OcppHarness;
  let nc: NatsConnection;
  const chargers = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp(); // the configured defaults, as deployed
    nc = await connect({ servers: testServers.nats });
    // ocpi-hub with its default real-time deadline (OCPI_AUTH_TIMEOUT_MS 3 s): the eMSP of a known
    // token did not answer in time and its agreement says ALLOW on timeout (Plugsurfing's rule), so
    // the hub answers ALLOWED once its deadline has passed, after its lookups and the route's write.
    nc.subscribe(`${h.app.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, {
      callback: (_e, msg) => {
        setTimeout(() => msg.respond(JSON.stringify({ allowed: 'ALLOWED', authorizationReference: 'hub-timeout-allow' })), 3_000 + 300);
      },
    });
    await nc.flush();
  });
  afterAll(async () => {
    await nc.close();
    await h.close();
  });

  it("a hub answering its agreement's on-timeout policy just after its own 3 s deadline is heard, not replaced by our default", async () => {
    const cp = await chargers.booted();
    expect((await send(cp, 'Authorize', { idTag: 'PS-SLOW-EMSP' })).idTagInfo.status).toBe('Accepted');
  }, 15_000);
});
