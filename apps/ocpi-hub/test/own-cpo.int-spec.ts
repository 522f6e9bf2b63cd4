import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, type OcpiTokenAuthorizeRequest } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { EventPublisher } from '@cpo/messaging';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { Subjects } from '@cpo/contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('own CPO party: locations from ocpp events, OCPP Authorize over the bus', () => {
  let hub: Hub;
  let emsp: FakePartner;
  let nc: NatsConnection;

  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    emsp.on('POST', /\/authorize$/, () => ({ status: 404, body: { status_code: 2004, timestamp: new Date().toISOString() } }));
    emsp.on('POST', /\/RFID-OK\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'bus-ref', info: { language: 'en', text: 'enjoy' } }) }));
    await hub.register(emsp);
    const agreement = await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } });
    expect(agreement.status).toBe(201);
    nc = await connect({ servers: testServers.nats });
  });
  afterAll(async () => {
    await nc?.close();
    await emsp?.close();
    await hub?.close();
  });

  async function ask(request: OcpiTokenAuthorizeRequest) {
    const reply = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify(request), { timeout: 5000 });
    return OcpiTokenAuthorizeReplyV1.parse(reply.json());
  }

  it('an allowed roaming token comes back ALLOWED with the reference and the driver message', async () => {
    const reply = await ask({ uid: 'RFID-OK', tokenType: 'RFID', stationId: 'CP-1', locationId: 'LOC-7', evseUids: ['EVSE-1'] });
    expect(reply).toEqual({ allowed: 'ALLOWED', authorizationReference: 'bus-ref', info: { language: 'en', text: 'enjoy' } });
    const call = emsp.calls('tokens', 'POST').find((c) => c.path.includes('RFID-OK'))!;
    expect(call.body).toEqual({ location_id: 'LOC-7', evse_uids: ['EVSE-1'] });
    expect(call.headers['ocpi-from-party-id']).toBe('OWN');
  });

  it('an unknown token is UNKNOWN, and an invalid request is UNKNOWN too (never allowed)', async () => {
    expect(await ask({ uid: 'NOBODY', tokenType: 'RFID', stationId: 'CP-1' })).toEqual({ allowed: 'UNKNOWN' });
    const bad = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify({ uid: '' }), { timeout: 5000 });
    expect(OcpiTokenAuthorizeReplyV1.parse(bad.json())).toEqual({ allowed: 'UNKNOWN' });
  });

  it('publishes the own Locations to agreed eMSPs and keeps EVSE statuses from ocpp.connector.status', async () => {
    const location = sampleLocation221({ id: 'OWN-1', lastUpdated: '2025-06-18T00:00:00Z' });
    const put = await hub.api('PUT', 'own/locations/OWN-1', { location, evses: [{ evseUid: '3256', stationId: 'TW-TPE-0001', connectorId: 1 }] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ country_code: 'TW', party_id: 'OWN', id: 'OWN-1' });
    expect(await eventually(() => emsp.calls('locations', 'PUT').some((c) => c.path === '/locations/TW/OWN/OWN-1'))).toBe(true);
    expect((await hub.api('PUT', 'own/locations/OWN-2', { location, evses: [{ evseUid: 'nope', stationId: 'X', connectorId: 1 }] })).status).toBe(400);

    const publisher = hub.t.app.get(EventPublisher);
    const status = (s: 'Charging' | 'Available', at: string) =>
      publisher.publish(Subjects.OcppConnectorStatus, { stationId: 'TW-TPE-0001', connectorId: 1, status: s, errorCode: 'NoError', timestamp: at });
    await status('Charging', '2025-06-18T09:15:03.000+08:00');
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 1)).toBe(true);
    expect(emsp.calls('locations', 'PATCH')[0]).toMatchObject({ path: '/locations/TW/OWN/OWN-1/3256', body: { status: 'CHARGING', last_updated: '2025-06-18T01:15:03Z' } });
    // The same status again is not re-sent; an unmapped connector is ignored; a change is.
    await status('Charging', '2025-06-18T01:16:00.000Z');
    await publisher.publish(Subjects.OcppConnectorStatus, { stationId: 'OTHER', connectorId: 1, status: 'Faulted', errorCode: 'OtherError', timestamp: '2025-06-18T01:16:00.000Z' });
    await status('Available', '2025-06-18T01:20:00.000Z');
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 2)).toBe(true);
    expect(emsp.calls('locations', 'PATCH')[1].body).toEqual({ status: 'AVAILABLE', last_updated: '2025-06-18T01:20:00Z' });
    const cached = await hub.api('GET', 'own/locations/OWN-1');
    expect(cached.body).toMatchObject({ last_updated: '2025-06-18T01:20:00Z', evses: [expect.objectContaining({ uid: '3256', status: 'AVAILABLE' })] });
  });

  it('an eMSP command for an own charger goes to the ocpp service on the bus; its result comes back to the eMSP', async () => {
    const res = await emsp.fetchJson('POST', `${emsp.hubUrl('commands', 'RECEIVER')}/START_SESSION`, {
      response_url: `${emsp.baseUrl}/callbacks/own/1`,
      token: { uid: 'RFID-OK', type: 'RFID', contract_id: 'FR-BUS-1' },
      location_id: 'OWN-1',
      evse_uid: '3256',
      authorization_reference: 'own-ref-1',
    });
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 60 } });
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    let payload: { commandId: string; stationId: string; connectorId: number; authorizationReference: string; parameters: Record<string, unknown> };
    try {
      const { rows } = await client.query(`SELECT payload FROM outbox WHERE subject = $1`, [Subjects.OcpiCommandRequested]);
      expect(rows).toHaveLength(1);
      payload = rows[0].payload;
    } finally {
      await client.end();
    }
    expect(payload).toMatchObject({ type: 'START_SESSION', stationId: 'TW-TPE-0001', connectorId: 1, authorizationReference: 'own-ref-1', parameters: { token: { uid: 'RFID-OK' } } });
    expect(payload.parameters).not.toHaveProperty('response_url');
    await hub.t.app.get(EventPublisher).publish(Subjects.OcpiCommandResult, { commandId: payload.commandId, result: 'ACCEPTED', at: new Date().toISOString() });
    expect(await eventually(() => emsp.received.some((r) => r.path === '/callbacks/own/1'))).toBe(true);
    expect(emsp.received.find((r) => r.path === '/callbacks/own/1')!.body).toEqual({ result: 'ACCEPTED' });
  });

  it('a roaming transaction on an own charger becomes a Session for the authorising eMSP only, completed at stop', async () => {
    const publisher = hub.t.app.get(EventPublisher);
    // A local (non-roaming) token makes no OCPI session (published first: one consumer, in order).
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 4243, idTag: 'LOCAL-TAG', meterStartWh: 0, startedAt: '2025-06-18T01:00:00.000Z' });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 4242, idTag: 'RFID-OK', meterStartWh: 1000, startedAt: '2025-06-18T09:00:00.000+08:00' });
    expect(await eventually(() => emsp.calls('sessions', 'PUT').length === 1)).toBe(true);
    const put = emsp.calls('sessions', 'PUT')[0];
    expect(put.path).toBe('/sessions/TW/OWN/4242');
    expect(put.body).toMatchObject({ id: '4242', status: 'ACTIVE', authorization_reference: 'bus-ref', location_id: 'OWN-1', evse_uid: '3256', connector_id: '1', start_date_time: '2025-06-18T01:00:00Z', cdr_token: { uid: 'RFID-OK' } });
    expect(put.headers['ocpi-to-party-id']).toBe('BUS');
    await publisher.publish(Subjects.OcppTransactionStopped, { transactionId: 4242, stationId: 'TW-TPE-0001', meterStopWh: 13_500, stoppedAt: '2025-06-18T02:00:00.000Z' });
    expect(await eventually(() => emsp.calls('sessions', 'PATCH').length === 1)).toBe(true);
    expect(emsp.calls('sessions', 'PATCH')[0].body).toEqual({ status: 'COMPLETED', end_date_time: '2025-06-18T02:00:00Z', kwh: 12.5, last_updated: '2025-06-18T02:00:00Z' });
    const read = await emsp.fetchJson('GET', `${emsp.hubUrl('sessions', 'SENDER')}?date_from=2025-01-01T00:00:00Z`);
    expect(read.body.data).toEqual([expect.objectContaining({ id: '4242', status: 'COMPLETED', kwh: 12.5 })]);
    expect(emsp.calls('sessions', 'PUT')).toHaveLength(1);
  });
});
