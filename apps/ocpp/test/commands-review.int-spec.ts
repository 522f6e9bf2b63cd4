import { jest } from '@jest/globals';
import { ocppCommandSubject } from '@cpo/contracts';
import { testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { ReservationRepository } from '../src/reservations/reservation.repository.js';
import { api, RawClient, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Commands routed between two replicas: typed errors, deadlines, replaced sockets. */
describe('OCPP commands across replicas (review)', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const clients: RawClient[] = [];
  const open = async (h: OcppHarness, id = uniqueStation()) => {
    const client = await RawClient.open(`${h.wsUrl}/${id}`);
    clients.push(client);
    return { id, client };
  };
  const command = (h: OcppHarness, stationId: string, action: string, payload: unknown, query = '') =>
    api(h, 'POST', `/api/v1/stations/${encodeURIComponent(stationId)}/commands/${action}${query}`, payload);

  beforeAll(async () => {
    const env = { OCPP_UNKNOWN_STATION_POLICY: 'auto-register', OCPP_CALL_TIMEOUT_MS: '1000' };
    a = await startOcpp(env);
    b = await startOcpp(env, a);
  });
  afterEach(() => {
    jest.restoreAllMocks();
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

  it('a command whose forwarding replica stopped waiting (its hooks were slow) never reaches the charger', async () => {
    const { id, client } = await open(a);
    // Replica A's database is slow: recording the reservation takes longer than B waits (timeoutMs + its bus margin).
    const reservations = a.app.app.get(ReservationRepository);
    const record = reservations.upsertRequested.bind(reservations);
    let recorded!: Promise<boolean>;
    jest.spyOn(reservations, 'upsertRequested').mockImplementationOnce((r) => (recorded = sleep(7_500).then(() => record(r))));
    const reply = await command(b, id, 'ReserveNow', { connectorId: 1, expiryDate: later(3_600_000), idTag: 'TAG-1' }, '?timeoutMs=1000');
    expect(reply).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    await recorded;
    // B told its caller the command timed out: the charger must not get it afterwards.
    await expect(client.next(2_000)).rejects.toThrow('no frame in time');
  }, 30_000);

  it('an invalid payload is a 400 naming the field also for an offline station, and refuses a bulk command before any station gets it', async () => {
    const offline = await command(a, uniqueStation('GONE'), 'ChangeAvailability', { connectorId: 1, type: 'Sometimes' });
    expect(offline).toMatchObject({ status: 400, body: { code: 'InvalidRequest', description: expect.stringContaining('/type') } });

    const { id, client } = await open(b);
    const bulk = await api(a, 'POST', '/api/v1/commands/bulk', { stationIds: [id, uniqueStation('GONE')], action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Sometimes' } });
    expect(bulk).toMatchObject({ status: 400, body: { message: expect.stringContaining('/type') } });
    await expect(client.next(500)).rejects.toThrow('no frame in time');
  });
});
