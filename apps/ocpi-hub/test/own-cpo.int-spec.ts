import { OCPI_TOKEN_AUTHORIZE_SUBJECT, ocppCommandSubject, OcpiTokenAuthorizeReplyV1, type OcppCommandReply, type OcpiTokenAuthorizeRequest } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { EventPublisher } from '@cpo/messaging';
import { sampleLocation221, sampleToken221 } from '@cpo/ocpi-protocol';
import { Subjects } from '@cpo/contracts';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import pg from 'pg';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

describe('own CPO party: locations from ocpp events, OCPP Authorize over the bus', () => {
  let hub: Hub;
  let emsp: FakePartner;
  let emsp211: FakePartner; // 2.1.1 FR/OLD
  let nc: NatsConnection;
  let ocppCommands: Subscription;
  const stationCalls: { action: string; payload: Record<string, unknown> }[] = [];
  let chargerAnswer: (r: { action: string; payload: Record<string, unknown> }) => OcppCommandReply = () => ({ status: 'ok', payload: { status: 'Accepted' } });

  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    emsp.on('POST', /\/authorize$/, () => ({ status: 404, body: { status_code: 2004, timestamp: new Date().toISOString() } }));
    emsp.on('POST', /\/RFID-OK\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'bus-ref', info: { language: 'en', text: 'enjoy' } }) }));
    await hub.register(emsp);
    const agreement = await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } });
    expect(agreement.status).toBe(201);
    emsp211 = await startFakePartner({ version: '2.1.1', parties: [{ countryCode: 'FR', partyId: 'OLD', role: 'EMSP' }] });
    emsp211.on('POST', /\/authorize$/, () => ({ status: 404, body: { status_code: 2000, status_message: 'unknown token', timestamp: new Date().toISOString() } }));
    emsp211.on('POST', /\/RFID-OLD\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_id: 'old-ref' }) }));
    await hub.register(emsp211);
    expect((await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'OLD' } })).status).toBe(201);
    nc = await connect({ servers: testServers.nats });
    // A fake ocpp replica holding station TW-TPE-0001's socket: answers charger commands on the bus.
    ocppCommands = nc.subscribe(`${hub.t.prefix}.${ocppCommandSubject('TW-TPE-0001')}`, {
      callback: (_err, msg) => {
        const request = msg.json<{ action: string; payload: Record<string, unknown> }>();
        stationCalls.push(request);
        msg.respond(JSON.stringify(chargerAnswer(request)));
      },
    });
  });
  afterAll(async () => {
    ocppCommands?.unsubscribe();
    await nc?.close();
    await emsp?.close();
    await emsp211?.close();
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

  it("a known token whose eMSP's agreement has a real-time deadline longer than OCPI_AUTH_TIMEOUT_MS still gets the on-timeout policy before the ocpp service (4 s) gives up", async () => {
    // ocpp waits OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS (4 s) for this answer, whatever the agreements:
    // an answer sent once a 6 s deadline has passed never reaches the charger.
    const slow = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'SLW', role: 'EMSP' }] });
    let agreementId: string | undefined;
    try {
      slow.on('POST', /\/authorize$/, () => ({ delayMs: 8_000, body: ok({ allowed: 'NOT_ALLOWED' }) }));
      await hub.register(slow);
      const agreement = await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'SLW' }, rtaOnTimeout: 'ALLOW', rtaTimeoutMs: 6_000 });
      expect(agreement.status).toBe(201);
      agreementId = (agreement.body as { id: string }).id;
      const token = sampleToken221({ uid: 'RFID-SLOW', countryCode: 'FR', partyId: 'SLW' });
      expect((await slow.fetchJson('PUT', `${slow.hubUrl('tokens', 'RECEIVER')}/FR/SLW/RFID-SLOW?type=RFID`, token)).body.status_code).toBe(1000);
      const reply = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify({ uid: 'RFID-SLOW', tokenType: 'RFID', stationId: 'CP-1' }), { timeout: 4_000 });
      expect(OcpiTokenAuthorizeReplyV1.parse(reply.json())).toMatchObject({ allowed: 'ALLOWED', authorizationReference: expect.any(String), decidedOnTimeout: true });
    } finally {
      // The other tests' unknown tokens are not asked of this slow eMSP.
      if (agreementId) await hub.api('DELETE', `agreements/${agreementId}`);
      await slow.close();
    }
  }, 20_000);

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
    // last_updated is the hub's time of the change, not the charger's: a status queued offline is still in the next poll.
    const recent = (v: unknown) => typeof v === 'string' && Date.parse(v) > Date.now() - 60_000;
    expect(emsp.calls('locations', 'PATCH')[0]).toMatchObject({ path: '/locations/TW/OWN/OWN-1/3256', body: { status: 'CHARGING' } });
    const first = emsp.calls('locations', 'PATCH')[0].body as { last_updated: string };
    expect(recent(first.last_updated)).toBe(true);
    // The same status again is not re-sent; an unmapped connector is ignored; a change is.
    await status('Charging', '2025-06-18T01:16:00.000Z');
    await publisher.publish(Subjects.OcppConnectorStatus, { stationId: 'OTHER', connectorId: 1, status: 'Faulted', errorCode: 'OtherError', timestamp: '2025-06-18T01:16:00.000Z' });
    await status('Available', '2025-06-18T01:20:00.000Z');
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 2)).toBe(true);
    const second = emsp.calls('locations', 'PATCH')[1].body as { last_updated: string };
    expect(second).toEqual({ status: 'AVAILABLE', last_updated: expect.any(String) });
    expect(Date.parse(second.last_updated)).toBeGreaterThanOrEqual(Date.parse(first.last_updated));
    const cached = await hub.api('GET', 'own/locations/OWN-1');
    expect(cached.body).toMatchObject({ last_updated: second.last_updated, evses: [expect.objectContaining({ uid: '3256', status: 'AVAILABLE' })] });
  });

  it('an eMSP command for an own charger goes to the ocpp service on the bus; its result comes back to the eMSP', async () => {
    const res = await emsp.fetchJson('POST', `${emsp.hubUrl('commands', 'RECEIVER')}/START_SESSION`, {
      response_url: `${emsp.baseUrl}/callbacks/own/1`,
      token: { uid: 'APP-OWN-1', type: 'APP_USER', contract_id: 'FR-BUS-APP1' },
      location_id: 'OWN-1',
      evse_uid: '3256',
      authorization_reference: 'own-ref-1',
    });
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 60 } });
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    let payload: { commandId: string; stationId: string; connectorId: number; authorizationReference: string; requester?: unknown; parameters: Record<string, unknown> };
    try {
      const { rows } = await client.query(`SELECT payload FROM outbox WHERE subject = $1`, [Subjects.OcpiCommandRequested]);
      expect(rows).toHaveLength(1);
      payload = rows[0].payload;
    } finally {
      await client.end();
    }
    expect(payload).toMatchObject({ type: 'START_SESSION', stationId: 'TW-TPE-0001', connectorId: 1, authorizationReference: 'own-ref-1', parameters: { token: { uid: 'APP-OWN-1' } } });
    // The eMSP that sent it: OCPI ids (reservation_id) are unique per eMSP only, ocpp keeps them apart by it.
    expect(payload.requester).toEqual({ countryCode: 'FR', partyId: 'BUS' });
    expect(payload.parameters).not.toHaveProperty('response_url');
    await hub.t.app.get(EventPublisher).publish(Subjects.OcpiCommandResult, { commandId: payload.commandId, result: 'ACCEPTED', at: new Date().toISOString() });
    expect(await eventually(() => emsp.received.some((r) => r.path === '/callbacks/own/1'))).toBe(true);
    expect(emsp.received.find((r) => r.path === '/callbacks/own/1')!.body).toEqual({ result: 'ACCEPTED' });
  });

  const tariff = { currency: 'TWD', elements: [{ price_components: [{ type: 'ENERGY', price: 10, step_size: 1, vat: 5 }] }], last_updated: '2025-06-01T00:00:00Z' };
  const meter = (transactionId: number, wh: number, at: string) =>
    hub.t.app.get(EventPublisher).publish(Subjects.OcppMeterSampled, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId, timestamp: at, samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }] });

  it('a roaming transaction on an own charger becomes a Session for the authorising eMSP only, with kwh from meter values, completed at stop with a priced CDR', async () => {
    expect((await hub.api('PUT', 'own/tariffs/T1', { tariff })).status).toBe(200);
    expect(await eventually(() => emsp.calls('tariffs', 'PUT').some((c) => c.path === '/tariffs/TW/OWN/T1'))).toBe(true);
    const location = sampleLocation221({ id: 'OWN-1', lastUpdated: '2025-06-18T00:00:00Z' });
    const evse = (location.evses as Record<string, unknown>[])[0];
    (evse.connectors as Record<string, unknown>[])[0].tariff_ids = ['T1'];
    expect((await hub.api('PUT', 'own/locations/OWN-1', { location, evses: [{ evseUid: '3256', stationId: 'TW-TPE-0001', connectorId: 1 }] })).status).toBe(200);

    const publisher = hub.t.app.get(EventPublisher);
    // A local (non-roaming) token makes no OCPI session (published first: one consumer, in order).
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 4243, idTag: 'LOCAL-TAG', meterStartWh: 0, startedAt: '2025-06-18T01:00:00.000Z' });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 4242, idTag: 'RFID-OK', meterStartWh: 1000, startedAt: '2025-06-18T09:00:00.000+08:00', authorizationReference: 'bus-ref' });
    expect(await eventually(() => emsp.calls('sessions', 'PUT').length === 1)).toBe(true);
    const put = emsp.calls('sessions', 'PUT')[0];
    expect(put.path).toBe('/sessions/TW/OWN/4242');
    expect(put.body).toMatchObject({ id: '4242', status: 'ACTIVE', authorization_reference: 'bus-ref', location_id: 'OWN-1', evse_uid: '3256', connector_id: '1', start_date_time: '2025-06-18T01:00:00Z', cdr_token: { uid: 'RFID-OK' } });
    expect(put.headers['ocpi-to-party-id']).toBe('BUS');

    await meter(4242, 5000, '2025-06-18T01:30:00.000Z');
    await meter(4242, 5000, '2025-06-18T01:31:00.000Z'); // no growth: not re-sent
    await meter(4243, 9000, '2025-06-18T01:31:00.000Z'); // a local session: nothing
    expect(await eventually(() => emsp.calls('sessions', 'PATCH').length === 1)).toBe(true);
    // last_updated is the hub's time of the change, not the charger's (own-late-objects.int-spec.ts).
    const metered = emsp.calls('sessions', 'PATCH')[0].body as { last_updated: string };
    expect(metered).toEqual({ kwh: 4, last_updated: expect.any(String) });
    expect(Date.parse(metered.last_updated)).toBeGreaterThanOrEqual(Date.parse((put.body as { last_updated: string }).last_updated));
    expect(Date.parse(metered.last_updated)).toBeGreaterThan(Date.now() - 60_000);

    await publisher.publish(Subjects.OcppTransactionStopped, { transactionId: 4242, stationId: 'TW-TPE-0001', meterStopWh: 13_500, stoppedAt: '2025-06-18T02:00:00.000Z' });
    expect(await eventually(() => emsp.calls('sessions', 'PATCH').length === 2 && emsp.calls('cdrs', 'POST').length === 1)).toBe(true);
    const completed = emsp.calls('sessions', 'PATCH')[1].body as { last_updated: string };
    expect(completed).toEqual({ status: 'COMPLETED', end_date_time: '2025-06-18T02:00:00Z', kwh: 12.5, last_updated: expect.any(String) });
    expect(Date.parse(completed.last_updated)).toBeGreaterThanOrEqual(Date.parse(metered.last_updated));
    const cdr = emsp.calls('cdrs', 'POST')[0];
    expect(cdr.body).toMatchObject({ last_updated: completed.last_updated });
    expect(cdr.path).toBe('/cdrs');
    expect(cdr.headers['ocpi-to-party-id']).toBe('BUS');
    expect(cdr.body).toMatchObject({
      country_code: 'TW', party_id: 'OWN', id: '4242', session_id: '4242', start_date_time: '2025-06-18T01:00:00Z', end_date_time: '2025-06-18T02:00:00Z',
      authorization_reference: 'bus-ref', cdr_token: { uid: 'RFID-OK' }, currency: 'TWD', total_energy: 12.5, total_time: 1,
      total_cost: { excl_vat: 125, incl_vat: 131.25 }, tariffs: [expect.objectContaining({ id: 'T1' })],
      cdr_location: { id: 'OWN-1', evse_uid: '3256', connector_id: '1', connector_standard: 'IEC_62196_T2', connector_power_type: 'AC_3_PHASE', country: 'BEL' },
    });
    const read = await emsp.fetchJson('GET', `${emsp.hubUrl('sessions', 'SENDER')}?date_from=2025-01-01T00:00:00Z`);
    expect(read.body.data).toEqual([expect.objectContaining({ id: '4242', status: 'COMPLETED', kwh: 12.5 })]);
    const cdrs = await emsp.fetchJson('GET', emsp.hubUrl('cdrs', 'SENDER'));
    expect(cdrs.body.data).toEqual([expect.objectContaining({ id: '4242', total_energy: 12.5 })]);
    expect(emsp.calls('sessions', 'PUT')).toHaveLength(1);
    // Nothing of it reached the other eMSP.
    expect(emsp211.calls('sessions')).toHaveLength(0);
    expect(emsp211.calls('cdrs')).toHaveLength(0);
  });

  it('a 2.1.1 eMSP gets its Sessions and CDRs of own chargers in 2.1.1 shape (Location embedded, no routing headers)', async () => {
    expect(await ask({ uid: 'RFID-OLD', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED', authorizationReference: 'old-ref' });
    const publisher = hub.t.app.get(EventPublisher);
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 5151, idTag: 'RFID-OLD', meterStartWh: 0, startedAt: '2025-06-19T01:00:00.000Z', authorizationReference: 'old-ref' });
    expect(await eventually(() => emsp211.calls('sessions', 'PUT').length === 1)).toBe(true);
    const put = emsp211.calls('sessions', 'PUT')[0];
    expect(put.path).toBe('/sessions/TW/OWN/5151');
    expect(put.headers['ocpi-to-party-id']).toBeUndefined();
    expect(put.body).toMatchObject({ id: '5151', start_datetime: '2025-06-19T01:00:00Z', auth_id: 'RFID-OLD', status: 'ACTIVE', authorization_reference: 'old-ref', location: { id: 'OWN-1', evses: [{ uid: '3256', connectors: [{ id: '1', voltage: 220 }] }] } });
    expect(put.body).not.toHaveProperty('cdr_token');
    await publisher.publish(Subjects.OcppTransactionStopped, { transactionId: 5151, stationId: 'TW-TPE-0001', meterStopWh: 2000, stoppedAt: '2025-06-19T01:30:00.000Z' });
    expect(await eventually(() => emsp211.calls('cdrs', 'POST').length === 1)).toBe(true);
    const completed = emsp211.calls('sessions', 'PATCH')[0].body as { last_updated: string };
    expect(completed).toEqual({ status: 'COMPLETED', end_datetime: '2025-06-19T01:30:00Z', kwh: 2, last_updated: expect.any(String) });
    expect(Date.parse(completed.last_updated)).toBeGreaterThan(Date.now() - 60_000);
    // The 2.1.1 shape keeps the hub's last_updated as the 2.2.1 cache holds it, push and GET alike.
    expect(emsp211.calls('cdrs', 'POST')[0].body).toMatchObject({ id: '5151', stop_date_time: '2025-06-19T01:30:00Z', auth_id: 'RFID-OLD', total_cost: 21, location: { id: 'OWN-1' }, last_updated: completed.last_updated });
    const read = await emsp211.fetchJson('GET', `${emsp211.hubUrl('cdrs')}?date_from=${encodeURIComponent(completed.last_updated)}`);
    expect(read.body.data).toEqual([expect.objectContaining({ id: '5151', stop_date_time: '2025-06-19T01:30:00Z', last_updated: completed.last_updated })]);
    expect(emsp.calls('cdrs', 'POST')).toHaveLength(1);
  });

  it('STOP_SESSION of an own session: RemoteStopTransaction on ocpp.command.{stationId}, the charger’s answer reaches the eMSP’s response_url', async () => {
    const publisher = hub.t.app.get(EventPublisher);
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 7171, idTag: 'RFID-OK', meterStartWh: 0, startedAt: '2025-06-20T01:00:00.000Z' });
    expect(await eventually(() => emsp.calls('sessions', 'PUT').some((c) => c.path === '/sessions/TW/OWN/7171'))).toBe(true);
    const stop = (sessionId: string, callback: string, partner = emsp) =>
      partner.fetchJson('POST', `${partner.hubUrl('commands', partner === emsp ? 'RECEIVER' : undefined)}/STOP_SESSION`, { response_url: `${partner.baseUrl}/callbacks/${callback}`, session_id: sessionId });

    const res = await stop('7171', 'stop/1');
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED', timeout: 60 } });
    expect(await eventually(() => emsp.received.some((r) => r.path === '/callbacks/stop/1'))).toBe(true);
    expect(stationCalls).toEqual([{ action: 'RemoteStopTransaction', payload: { transactionId: 7171 }, timeoutMs: 10_000 }]);
    expect(emsp.received.find((r) => r.path === '/callbacks/stop/1')!.body).toEqual({ result: 'ACCEPTED' });

    // The charger refuses: REJECTED with its reason; a completed session is refused by the hub itself.
    chargerAnswer = () => ({ status: 'ok', payload: { status: 'Rejected' } });
    expect((await stop('7171', 'stop/2')).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(await eventually(() => emsp.received.some((r) => r.path === '/callbacks/stop/2'))).toBe(true);
    expect(emsp.received.find((r) => r.path === '/callbacks/stop/2')!.body).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: 'the charge point answered Rejected' }] });
    expect((await stop('4242', 'stop/3')).body).toMatchObject({ status_code: 1000, data: { result: 'REJECTED' } });
    expect(stationCalls).toHaveLength(2);

    // Another eMSP cannot stop it: the session is not one of its own (no CPO found → 2001).
    expect((await stop('7171', 'stop/4', emsp211)).body.status_code).toBe(2001);
    expect(stationCalls).toHaveLength(2);
  });

  it('an own CDR is priced interval by interval between the meter readings (max_power restriction)', async () => {
    const t2 = { currency: 'TWD', elements: [{ price_components: [{ type: 'ENERGY', price: 0.2, step_size: 1 }], restrictions: { max_power: 10 } }, { price_components: [{ type: 'ENERGY', price: 0.5, step_size: 1 }] }], last_updated: '2025-06-01T00:00:00Z' };
    expect((await hub.api('PUT', 'own/tariffs/T2', { tariff: t2 })).status).toBe(200);
    const location = sampleLocation221({ id: 'OWN-1', lastUpdated: '2025-06-21T00:00:00Z' });
    (((location.evses as Record<string, unknown>[])[0].connectors as Record<string, unknown>[])[0]).tariff_ids = ['T2'];
    expect((await hub.api('PUT', 'own/locations/OWN-1', { location, evses: [{ evseUid: '3256', stationId: 'TW-TPE-0001', connectorId: 1 }] })).status).toBe(200);
    const publisher = hub.t.app.get(EventPublisher);
    // The session's own reference (e.g. its START_SESSION's), not the token's latest authorisation ('bus-ref').
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 8181, idTag: 'RFID-OK', meterStartWh: 0, startedAt: '2025-06-21T00:00:00.000Z', authorizationReference: 'start-ref-8181' });
    // Start, meter values and stop are separate consumers: each step waits for the one before.
    expect(await eventually(() => emsp.calls('sessions', 'PUT').some((c) => c.path === '/sessions/TW/OWN/8181'))).toBe(true);
    expect(emsp.calls('sessions', 'PUT').find((c) => c.path === '/sessions/TW/OWN/8181')!.body).toMatchObject({ authorization_reference: 'start-ref-8181' });
    // 10 kWh in the first half hour (20 kW: 0.50/kWh), then 4 kWh in an hour (4 kW: 0.20/kWh).
    await meter(8181, 10_000, '2025-06-21T00:30:00.000Z');
    expect(await eventually(() => emsp.calls('sessions', 'PATCH').some((c) => c.path === '/sessions/TW/OWN/8181'))).toBe(true);
    await publisher.publish(Subjects.OcppTransactionStopped, { transactionId: 8181, stationId: 'TW-TPE-0001', meterStopWh: 14_000, stoppedAt: '2025-06-21T01:30:00.000Z' });
    expect(await eventually(() => emsp.calls('cdrs', 'POST').some((c) => (c.body as { id: string }).id === '8181'))).toBe(true);
    const cdr = emsp.calls('cdrs', 'POST').find((c) => (c.body as { id: string }).id === '8181')!.body;
    // At the session's average power (9.3 kW) it would all be 0.20/kWh: 2.80.
    expect(cdr).toMatchObject({ total_energy: 14, total_cost: { excl_vat: 5.8 }, total_energy_cost: { excl_vat: 5.8 }, authorization_reference: 'start-ref-8181' });
    // A session of the same token without a reference of its own (a local-list card, say) carries none:
    // not the token's latest authorisation's ('bus-ref'), which belongs to another session.
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 8182, idTag: 'RFID-OK', meterStartWh: 0, startedAt: '2025-06-21T02:00:00.000Z' });
    expect(await eventually(() => emsp.calls('sessions', 'PUT').some((c) => c.path === '/sessions/TW/OWN/8182'))).toBe(true);
    expect(emsp.calls('sessions', 'PUT').find((c) => c.path === '/sessions/TW/OWN/8182')!.body).not.toHaveProperty('authorization_reference');
  });

  it('CANCEL_RESERVATION reaches the station its RESERVE_NOW went to; another eMSP\'s or an unknown reservation cannot be routed (2001)', async () => {
    const command = (partner: FakePartner, type: string, body: Record<string, unknown>) =>
      partner.fetchJson('POST', `${partner.hubUrl('commands', partner === emsp ? 'RECEIVER' : undefined)}/${type}`, { response_url: `${partner.baseUrl}/callbacks/${type}`, ...body });
    const requested = async (type: string) => {
      const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
      await client.connect();
      try {
        return (await client.query(`SELECT payload FROM outbox WHERE subject = $1 AND payload->>'type' = $2 ORDER BY seq`, [Subjects.OcpiCommandRequested, type])).rows.map((r) => r.payload);
      } finally {
        await client.end();
      }
    };
    const reserve = await command(emsp, 'RESERVE_NOW', {
      token: { uid: 'RFID-OK', type: 'RFID', contract_id: 'FR-BUS-1' }, expiry_date: '2030-01-01T00:00:00Z', reservation_id: 'R-77', location_id: 'OWN-1', evse_uid: '3256',
    });
    expect(reserve.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(await command(emsp, 'CANCEL_RESERVATION', { reservation_id: 'R-77' })).toMatchObject({ body: { status_code: 1000, data: { result: 'ACCEPTED' } } });
    expect(await requested('CANCEL_RESERVATION')).toEqual([
      expect.objectContaining({ type: 'CANCEL_RESERVATION', stationId: 'TW-TPE-0001', connectorId: 1, locationId: 'OWN-1', evseUid: '3256', requester: { countryCode: 'FR', partyId: 'BUS' }, parameters: { reservation_id: 'R-77' } }),
    ]);
    // Never reserved, or reserved by another eMSP: nothing tells the hub where to go, nothing reaches the charger.
    expect((await command(emsp, 'CANCEL_RESERVATION', { reservation_id: 'R-78' })).body.status_code).toBe(2001);
    expect((await command(emsp211, 'CANCEL_RESERVATION', { reservation_id: 'R-77' })).body.status_code).toBe(2001);
    expect(await requested('CANCEL_RESERVATION')).toHaveLength(1);
  });
  it('a transaction an eMSP started with START_SESSION (no real-time authorisation) becomes its Session and CDR, with the token as the command named it', async () => {
    const publisher = hub.t.app.get(EventPublisher);
    const sessionOf = (partner: FakePartner, id: string) => partner.calls('sessions', 'PUT').find((c) => c.path === `/sessions/TW/OWN/${id}`);
    const start = (partner: FakePartner, body: Record<string, unknown>) =>
      partner.fetchJson('POST', `${partner.hubUrl('commands', partner === emsp ? 'RECEIVER' : undefined)}/START_SESSION`, { response_url: `${partner.baseUrl}/callbacks/start`, location_id: 'OWN-1', evse_uid: '3256', ...body });
    expect((await start(emsp, { token: { uid: 'APP-OWN-2', type: 'APP_USER', contract_id: 'FR-BUS-APP2' }, authorization_reference: 'own-ref-2' })).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    // ocpp accepts the remote-started tag without asking the hub and publishes the command's reference with the transaction.
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9191, idTag: 'APP-OWN-2', meterStartWh: 0, startedAt: '2025-06-22T00:00:00.000Z', authorizationReference: 'own-ref-2' });
    expect(await eventually(() => sessionOf(emsp, '9191') !== undefined)).toBe(true);
    // OCPI 2.2.1 CdrToken names the eMSP that owns the token (country_code, party_id, both required).
    expect(sessionOf(emsp, '9191')!.body).toMatchObject({ auth_method: 'COMMAND', authorization_reference: 'own-ref-2', cdr_token: { country_code: 'FR', party_id: 'BUS', uid: 'APP-OWN-2', type: 'APP_USER', contract_id: 'FR-BUS-APP2' } });
    await publisher.publish(Subjects.OcppTransactionStopped, { transactionId: 9191, stationId: 'TW-TPE-0001', meterStopWh: 3000, stoppedAt: '2025-06-22T01:00:00.000Z' });
    expect(await eventually(() => emsp.calls('cdrs', 'POST').some((c) => (c.body as { id: string }).id === '9191'))).toBe(true);
    expect(emsp.calls('cdrs', 'POST').find((c) => (c.body as { id: string }).id === '9191')!.body).toMatchObject({ auth_method: 'COMMAND', authorization_reference: 'own-ref-2', total_energy: 3, cdr_token: { country_code: 'FR', party_id: 'BUS', uid: 'APP-OWN-2', type: 'APP_USER', contract_id: 'FR-BUS-APP2' } });

    // The session's reference finds its eMSP even when another eMSP authorised the same uid since (uids are unique per eMSP only).
    expect((await start(emsp, { token: { uid: 'RFID-OLD', type: 'APP_USER', contract_id: 'FR-BUS-9' }, authorization_reference: 'cmd-ref-9' })).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(await ask({ uid: 'RFID-OLD', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED', authorizationReference: 'old-ref' });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9292, idTag: 'RFID-OLD', meterStartWh: 0, startedAt: '2025-06-22T02:00:00.000Z', authorizationReference: 'cmd-ref-9' });
    expect(await eventually(() => sessionOf(emsp, '9292') !== undefined)).toBe(true);
    expect(sessionOf(emsp, '9292')!.body).toMatchObject({ authorization_reference: 'cmd-ref-9', cdr_token: { uid: 'RFID-OLD', type: 'APP_USER', contract_id: 'FR-BUS-9' } });
    expect(sessionOf(emsp211, '9292')).toBeUndefined();

    // 2.1.1 START_SESSION has no authorization_reference: the token's uid attributes the session, its auth_id is the Session's.
    expect((await start(emsp211, { token: { uid: 'OLD-APP-1', type: 'OTHER', auth_id: 'FR-OLD-C9', issuer: 'Old', valid: true, whitelist: 'ALLOWED', last_updated: '2025-06-01T00:00:00Z' } })).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9393, idTag: 'OLD-APP-1', meterStartWh: 0, startedAt: '2025-06-22T03:00:00.000Z' });
    expect(await eventually(() => sessionOf(emsp211, '9393') !== undefined)).toBe(true);
    expect(sessionOf(emsp211, '9393')!.body).toMatchObject({ id: '9393', auth_id: 'FR-OLD-C9', auth_method: 'AUTH_REQUEST', status: 'ACTIVE' });
    expect(sessionOf(emsp, '9393')).toBeUndefined();

    // A START_SESSION on an RFID card replaces its real-time authorisation's route (same uid and type): a later
    // session of that card without the command's reference (from the charger's local list or cache) was not
    // started by the command, so it is no COMMAND session.
    expect((await start(emsp, { token: { uid: 'RFID-OK', type: 'RFID', contract_id: 'FR-BUS-77' }, authorization_reference: 'cmd-ref-77' })).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9494, idTag: 'RFID-OK', meterStartWh: 0, startedAt: '2025-06-22T04:00:00.000Z', authorizationReference: 'cmd-ref-77' });
    expect(await eventually(() => sessionOf(emsp, '9494') !== undefined)).toBe(true);
    expect(sessionOf(emsp, '9494')!.body).toMatchObject({ auth_method: 'COMMAND', authorization_reference: 'cmd-ref-77' });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9495, idTag: 'RFID-OK', meterStartWh: 0, startedAt: '2025-06-23T04:00:00.000Z' });
    expect(await eventually(() => sessionOf(emsp, '9495') !== undefined)).toBe(true);
    expect(sessionOf(emsp, '9495')!.body).toMatchObject({ auth_method: 'AUTH_REQUEST', cdr_token: { uid: 'RFID-OK', type: 'RFID' } });
    expect(sessionOf(emsp, '9495')!.body).not.toHaveProperty('authorization_reference');
  });

  describe('a START_SESSION without an authorization reference (2.1.1) credits COMMAND to the one transaction it started', () => {
    const publisher = () => hub.t.app.get(EventPublisher);
    const at = (offsetS: number) => new Date(Date.now() + offsetS * 1000).toISOString();
    const db = async <T,>(sql: string, params: unknown[]): Promise<T[]> => {
      const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    };
    /** A 2.1.1 START_SESSION for `uid` (no reference); its command id as the hub sent it to ocpp. */
    async function start211(uid: string, type: 'RFID' | 'OTHER'): Promise<string> {
      const res = await emsp211.fetchJson('POST', `${emsp211.hubUrl('commands')}/START_SESSION`, {
        response_url: `${emsp211.baseUrl}/callbacks/start/${uid}`,
        location_id: 'OWN-1',
        evse_uid: '3256',
        token: { uid, type, auth_id: `FR-OLD-${uid}`, issuer: 'Old', valid: true, whitelist: 'ALLOWED', last_updated: '2025-06-01T00:00:00Z' },
      });
      expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
      const rows = await db<{ payload: { commandId: string } }>(`SELECT payload FROM outbox WHERE subject = $1 AND payload->'parameters'->'token'->>'uid' = $2 ORDER BY seq DESC LIMIT 1`, [Subjects.OcpiCommandRequested, uid]);
      return rows[0].payload.commandId;
    }
    /** The charger's answer, as ocpp reports it; waits until the hub relayed it to the eMSP. */
    async function result(commandId: string, r: 'ACCEPTED' | 'REJECTED' | 'FAILED' | 'TIMEOUT', uid: string) {
      const callbacks = () => emsp211.received.filter((x) => x.path === `/callbacks/start/${uid}`).length;
      const before = callbacks();
      await publisher().publish(Subjects.OcpiCommandResult, { commandId, result: r, at: new Date().toISOString() });
      expect(await eventually(() => callbacks() > before)).toBe(true);
    }
    const started = (transactionId: number, idTag: string, startedAt: string) =>
      publisher().publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId, idTag, meterStartWh: 0, startedAt });
    /** The Session as the hub keeps it (2.2.1 shape: 2.1.1 has no COMMAND auth method to show it) and whose it is. */
    async function session(transactionId: number) {
      expect(await eventually(async () => (await db(`SELECT 1 FROM ocpi_own_session WHERE transaction_id = $1`, [transactionId])).length > 0)).toBe(true);
      const [row] = await db<{ emsp: string; auth_method: string }>(
        `SELECT s.emsp_country_code || '/' || s.emsp_party_id AS emsp, o.data->>'auth_method' AS auth_method FROM ocpi_own_session s JOIN ocpi_object o ON o.module = 'sessions' AND o.object_id = s.session_id WHERE s.transaction_id = $1`,
        [transactionId],
      );
      return row;
    }
    /** No Session for `transactionId`: a later start on the same consumer is processed, this one gave none. */
    async function noSession(transactionId: number) {
      const marker = transactionId + 1;
      await started(marker, 'RFID-OK', at(0));
      await session(marker);
      expect(await db(`SELECT 1 FROM ocpi_own_session WHERE transaction_id = $1`, [transactionId])).toHaveLength(0);
    }

    it('a START_SESSION the charger REJECTED leaves the card to its real-time authorisation (eMSP, AUTH_REQUEST); without one, the session is nobody’s', async () => {
      emsp.on('POST', /\/RFID-RJ1\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'rj1-ref' }) }));
      expect(await ask({ uid: 'RFID-RJ1', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED' });
      await result(await start211('RFID-RJ1', 'RFID'), 'REJECTED', 'RFID-RJ1');
      await started(10_101, 'RFID-RJ1', at(5));
      expect(await session(10_101)).toEqual({ emsp: 'FR/BUS', auth_method: 'AUTH_REQUEST' });

      await result(await start211('OLD-RJ2', 'OTHER'), 'FAILED', 'OLD-RJ2');
      await started(10_201, 'OLD-RJ2', at(5));
      await noSession(10_201);
    });

    it('an ACCEPTED one credits its first transaction as COMMAND; a later session of the uid is the eMSP’s but no COMMAND', async () => {
      const commandId = await start211('OLD-AC1', 'OTHER');
      await started(10_301, 'OLD-AC1', at(20));
      await result(commandId, 'ACCEPTED', 'OLD-AC1');
      expect(await session(10_301)).toEqual({ emsp: 'FR/OLD', auth_method: 'COMMAND' });
      await started(10_302, 'OLD-AC1', at(60));
      expect(await session(10_302)).toEqual({ emsp: 'FR/OLD', auth_method: 'AUTH_REQUEST' });
    });

    it('two refused commands in a row give the card its real-time authorisation back, whichever is answered first', async () => {
      emsp.on('POST', /\/RFID-RJ3\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'rj3-ref' }) }));
      expect(await ask({ uid: 'RFID-RJ3', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED' });
      const first = await start211('RFID-RJ3', 'RFID');
      const second = await start211('RFID-RJ3', 'RFID');
      // The first one's refusal comes while the second one's route is the card's: the second one now replaced the authorisation's.
      await result(first, 'REJECTED', 'RFID-RJ3');
      await result(second, 'FAILED', 'RFID-RJ3');
      await started(10_501, 'RFID-RJ3', at(5));
      expect(await session(10_501)).toEqual({ emsp: 'FR/BUS', auth_method: 'AUTH_REQUEST' });

      // An accepted one whose later retry is refused keeps the card the accepted one's, its transaction COMMAND.
      const accepted = await start211('RFID-RJ3', 'RFID');
      const retry = await start211('RFID-RJ3', 'RFID');
      await result(accepted, 'ACCEPTED', 'RFID-RJ3');
      await result(retry, 'REJECTED', 'RFID-RJ3');
      await started(10_502, 'RFID-RJ3', at(5));
      expect(await session(10_502)).toEqual({ emsp: 'FR/OLD', auth_method: 'COMMAND' });

      // A real-time authorisation since the command is the card's route (asked of the command's eMSP, the
      // route's): the command's refusal leaves it, it does not bring back the one before the command.
      emsp.on('POST', /\/RFID-RJ4\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'rj4-ref' }) }));
      emsp211.on('POST', /\/RFID-RJ4\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_id: 'rj4-old' }) }));
      expect(await ask({ uid: 'RFID-RJ4', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED', authorizationReference: 'rj4-ref' });
      const replaced = await start211('RFID-RJ4', 'RFID');
      expect(await ask({ uid: 'RFID-RJ4', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED', authorizationReference: 'rj4-old' });
      await result(replaced, 'REJECTED', 'RFID-RJ4');
      await started(10_503, 'RFID-RJ4', at(5));
      expect(await session(10_503)).toEqual({ emsp: 'FR/OLD', auth_method: 'AUTH_REQUEST' });
    });

    it('only a transaction started within minutes of the command is its', async () => {
      await result(await start211('OLD-WN1', 'OTHER'), 'ACCEPTED', 'OLD-WN1');
      await started(10_401, 'OLD-WN1', at(-3600));
      expect(await session(10_401)).toEqual({ emsp: 'FR/OLD', auth_method: 'AUTH_REQUEST' });
      await started(10_402, 'OLD-WN1', at(3600));
      expect(await session(10_402)).toEqual({ emsp: 'FR/OLD', auth_method: 'AUTH_REQUEST' });
      // Still unclaimed: the command's own transaction, within the window, is COMMAND.
      await started(10_403, 'OLD-WN1', at(30));
      expect(await session(10_403)).toEqual({ emsp: 'FR/OLD', auth_method: 'COMMAND' });
    });
  });

  it("a real-time authorised token's Session names its contract id as the eMSP's AuthorizationInfo gave it, not the uid", async () => {
    const publisher = hub.t.app.get(EventPublisher);
    const token = { country_code: 'FR', party_id: 'BUS', uid: 'RFID-K1', type: 'RFID', contract_id: 'FR-BUS-K1', issuer: 'Bus', valid: true, whitelist: 'ALLOWED', last_updated: '2025-06-01T00:00:00Z' };
    emsp.on('POST', /\/RFID-K1\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', token, authorization_reference: 'k1-ref' }) }));
    expect(await ask({ uid: 'RFID-K1', tokenType: 'RFID', stationId: 'TW-TPE-0001', locationId: 'OWN-1' })).toMatchObject({ allowed: 'ALLOWED', authorizationReference: 'k1-ref' });
    await publisher.publish(Subjects.OcppTransactionStarted, { stationId: 'TW-TPE-0001', connectorId: 1, transactionId: 9595, idTag: 'RFID-K1', meterStartWh: 0, startedAt: '2025-06-24T00:00:00.000Z', authorizationReference: 'k1-ref' });
    const sessionOf = (id: string) => emsp.calls('sessions', 'PUT').find((c) => c.path === `/sessions/TW/OWN/${id}`);
    expect(await eventually(() => sessionOf('9595') !== undefined)).toBe(true);
    expect(sessionOf('9595')!.body).toMatchObject({ auth_method: 'AUTH_REQUEST', authorization_reference: 'k1-ref', cdr_token: { uid: 'RFID-K1', type: 'RFID', contract_id: 'FR-BUS-K1' } });
  });
});
