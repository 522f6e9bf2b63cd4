import { ocppCommandSubject } from '@cpo/contracts';
import { testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** Commands routed between two replicas: typed errors, deadlines, replaced sockets. */
describe('OCPP commands across replicas (review)', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const clients: RawClient[] = [];
  const command = (h: OcppHarness, stationId: string, action: string, payload: unknown, query = '') =>
    api(h, 'POST', `/api/v1/stations/${encodeURIComponent(stationId)}/commands/${action}${query}`, payload);

  beforeAll(async () => {
    const env = { OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_CALL_TIMEOUT_MS: '1000' };
    a = await startOcpp(env);
    b = await startOcpp(env, a);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it("a replica's reply the contract cannot read is the central system's failure (500), not the operator's bad request (400)", async () => {
    const id = uniqueStation();
    const nc = await connect({ servers: testServers.nats });
    try {
      // Whatever holds the station answers outside the contract (an older or broken replica).
      nc.subscribe(`${a.app.prefix}.${ocppCommandSubject(id)}`, { callback: (_err, msg) => void msg.respond(JSON.stringify({ status: 'maybe' })) });
      await nc.flush();
      const reply = await command(a, id, 'ClearCache', {});
      expect(reply).toMatchObject({ status: 500, body: { status: 'error', code: 'CentralSystemError' } });
    } finally {
      await nc.close();
    }
  });
});
