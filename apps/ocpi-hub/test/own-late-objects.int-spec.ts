import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

type Obj = { id: string; last_updated: string; start_date_time: string; end_date_time?: string; kwh?: number };

/**
 * Own Sessions and CDRs of events that reach the hub late (a charger's offline queue): their
 * `last_updated` (object and cache row, which `date_from`/`date_to` filter) is when the hub wrote
 * them, so the eMSP's incremental GET (`date_from` = its last poll) finds them; the charger's times
 * stay in `start_date_time`/`end_date_time`. Pushes are not retried: that GET is the only catch-up.
 */
describe('own CPO: late (offline-queued) Sessions and CDRs reach an eMSP polling with date_from', () => {
  let hub: Hub;
  let emsp: FakePartner;
  let nc: NatsConnection;
  const station = 'TW-TPE-LATE';
  const down = () => ({ status: 503, body: { status_code: 3000, status_message: 'down', timestamp: new Date().toISOString() } });
  const get = async (module: 'sessions' | 'cdrs', query: string): Promise<Obj[]> => (await emsp.fetchJson('GET', `${emsp.hubUrl(module, 'SENDER')}?${query}`)).body.data as Obj[];
  const since = (t: string) => `date_from=${encodeURIComponent(t)}`;


  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    emsp.on('POST', /\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'late-ref' }) }));
    await hub.register(emsp);
    expect((await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } })).status).toBe(201);
    const location = sampleLocation221({ id: 'OWN-L', lastUpdated: '2025-06-18T00:00:00Z' });
    expect((await hub.api('PUT', 'own/locations/OWN-L', { location, evses: [{ evseUid: '3256', stationId: station, connectorId: 1 }] })).status).toBe(200);
    nc = await connect({ servers: testServers.nats });
    const reply = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify({ uid: 'RFID-LATE', tokenType: 'RFID', stationId: station, locationId: 'OWN-L' }), { timeout: 5000 });
    expect(OcpiTokenAuthorizeReplyV1.parse(reply.json())).toMatchObject({ allowed: 'ALLOWED' });
  });
  afterAll(async () => {
    await nc?.close();
    await emsp?.close();
    await hub?.close();
  });

  it('the CDR of a stop delivered 2 h late is returned by GET /cdrs?date_from=<last poll>, dated by the hub, the stop time kept', async () => {
    const publisher = hub.t.app.get(EventPublisher);
    const startedAt = new Date(Date.now() - 3 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const stoppedAt = new Date(Date.now() - 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: station, connectorId: 1, transactionId: 31_001, idTag: 'RFID-LATE', meterStartWh: 1_000, startedAt, authorizationReference: 'late-ref' });
    expect(await eventually(() => emsp.calls('sessions', 'PUT').some((c) => c.path === '/sessions/TW/OWN/31001'))).toBe(true);
    // The eMSP's CDR receiver is briefly down when the CDR is pushed (not retried by design).
    emsp.on('POST', /^\/cdrs/, down);
    const lastPoll = new Date(Date.now() - 1_000).toISOString();
    await publisher.publish(Subjects.OcppTransactionStopped, { stationId: station, transactionId: 31_001, meterStopWh: 6_000, stoppedAt, energyWh: 5_000 });
    expect(await eventually(() => emsp.calls('cdrs', 'POST').length > 0)).toBe(true);
    const pushed = emsp.calls('cdrs', 'POST')[0].body as Obj;
    const completed = emsp.calls('sessions', 'PATCH').find((c) => c.path === '/sessions/TW/OWN/31001')?.body as Obj;
    // Its receiver back, the eMSP catches up as OCPI's pull model says: everything changed since its last poll.
    const [cdr] = await get('cdrs', since(lastPoll));
    expect(cdr).toMatchObject({ id: '31001', total_energy: 5, start_date_time: startedAt, end_date_time: stoppedAt });
    expect(Date.parse(cdr.last_updated)).toBeGreaterThanOrEqual(Date.parse(lastPoll));
    // The push and the GET carry the same value; the completing Session PATCH too.
    expect(pushed.last_updated).toBe(cdr.last_updated);
    expect(completed).toMatchObject({ status: 'COMPLETED', end_date_time: stoppedAt, last_updated: cdr.last_updated });
    const [session] = (await get('sessions', since(lastPoll))).filter((s) => s.id === '31001');
    expect(session).toMatchObject({ start_date_time: startedAt, end_date_time: stoppedAt, last_updated: cdr.last_updated });
    // The cache row is dated the same: a window ending at the last poll does not hold it.
    expect((await get('cdrs', `date_from=2020-01-01T00:00:00Z&date_to=${encodeURIComponent(lastPoll)}`)).map((c) => c.id)).not.toContain('31001');

    // The stop redelivered (ocpp publishing it again): nothing sent, last_updated not bumped.
    const pushes = emsp.calls('cdrs', 'POST').length + emsp.calls('sessions', 'PATCH').length;
    await publisher.publish(Subjects.OcppTransactionStopped, { stationId: station, transactionId: 31_001, meterStopWh: 6_000, stoppedAt, energyWh: 5_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(emsp.calls('cdrs', 'POST').length + emsp.calls('sessions', 'PATCH').length).toBe(pushes);
    expect((await get('cdrs', since(lastPoll)))[0].last_updated).toBe(cdr.last_updated);
    expect((await get('sessions', since(lastPoll))).find((s) => s.id === '31001')?.last_updated).toBe(cdr.last_updated);
  });

  it('the Session of a start delivered 3 h late, and its late meter values, are returned by GET /sessions?date_from=<last poll>', async () => {
    const publisher = hub.t.app.get(EventPublisher);
    // The eMSP's session receiver is down when the Session is PUT and PATCHed.
    emsp.on('PUT', /^\/sessions/, down);
    emsp.on('PATCH', /^\/sessions/, down);
    const lastPoll = new Date(Date.now() - 1_000).toISOString();
    const startedAt = new Date(Date.now() - 3 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const start = { stationId: station, connectorId: 1, transactionId: 31_002, idTag: 'RFID-LATE', meterStartWh: 1_000, startedAt, authorizationReference: 'late-ref' };
    await publisher.publish(Subjects.OcppTransactionStarted, start);
    expect(await eventually(() => emsp.calls('sessions', 'PUT').some((c) => c.path === '/sessions/TW/OWN/31002'))).toBe(true);
    const put = emsp.calls('sessions', 'PUT').find((c) => c.path === '/sessions/TW/OWN/31002')?.body as Obj;
    const find = async (from: string) => (await get('sessions', since(from))).find((s) => s.id === '31002');
    const created = await find(lastPoll);
    expect(created).toMatchObject({ start_date_time: startedAt, status: 'ACTIVE', last_updated: put.last_updated });
    expect(Date.parse(created!.last_updated)).toBeGreaterThanOrEqual(Date.parse(lastPoll));

    // A meter value the charger took 2 h ago, delivered now: a PATCH dated by the hub, never before the PUT.
    const sampledAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const sample = { stationId: station, connectorId: 1, transactionId: 31_002, timestamp: sampledAt, samples: [{ measurand: 'Energy.Active.Import.Register' as const, value: 3_000, unit: 'Wh' as const }] };
    const secondPoll = new Date().toISOString();
    await publisher.publish(Subjects.OcppMeterSampled, sample);
    expect(await eventually(() => emsp.calls('sessions', 'PATCH').some((c) => c.path === '/sessions/TW/OWN/31002'))).toBe(true);
    const patch = emsp.calls('sessions', 'PATCH').find((c) => c.path === '/sessions/TW/OWN/31002')?.body as Obj;
    expect(patch).toMatchObject({ kwh: 2 });
    expect(Date.parse(patch.last_updated)).toBeGreaterThanOrEqual(Math.max(Date.parse(put.last_updated), Date.parse(secondPoll) - 1));
    expect(await find(secondPoll)).toMatchObject({ kwh: 2, start_date_time: startedAt, last_updated: patch.last_updated });

    // The start and the sample redelivered: nothing sent, last_updated not bumped.
    const sent = emsp.calls('sessions').length;
    await publisher.publish(Subjects.OcppTransactionStarted, start);
    await publisher.publish(Subjects.OcppMeterSampled, sample);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(emsp.calls('sessions').length).toBe(sent);
    expect((await find(lastPoll))?.last_updated).toBe(patch.last_updated);
  });
});
