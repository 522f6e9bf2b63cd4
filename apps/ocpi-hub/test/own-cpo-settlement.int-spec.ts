import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, Subjects, type OcppTransactionStarted, type OcppTransactionStopped } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

/**
 * Own-charger Sessions and CDRs settled as ocpp settles them: the energy ocpp published with the
 * stop (a restarted meter's counted from zero), and no roaming Session for a start ocpp refused.
 */
describe('own CPO party: Sessions and CDRs follow what ocpp settled and accepted', () => {
  let hub: Hub;
  let emsp: FakePartner;
  let nc: NatsConnection;
  const station = 'TW-TPE-0042';

  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    emsp.on('POST', /\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'settle-ref' }) }));
    await hub.register(emsp);
    expect((await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } })).status).toBe(201);
    // 10 per kWh: the energy cost shows which energy the CDR was priced with.
    const tariff = { currency: 'TWD', elements: [{ price_components: [{ type: 'ENERGY', price: 10, step_size: 1 }] }], last_updated: '2025-06-01T00:00:00Z' };
    expect((await hub.api('PUT', 'own/tariffs/TS', { tariff })).status).toBe(200);
    const location = sampleLocation221({ id: 'OWN-S', lastUpdated: '2025-06-18T00:00:00Z' });
    (((location.evses as Record<string, unknown>[])[0].connectors as Record<string, unknown>[])[0]).tariff_ids = ['TS'];
    expect((await hub.api('PUT', 'own/locations/OWN-S', { location, evses: [{ evseUid: '3256', stationId: station, connectorId: 1 }] })).status).toBe(200);
    nc = await connect({ servers: testServers.nats });
    // The eMSP authorises its card through the hub: the token's route for its sessions.
    const reply = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify({ uid: 'RFID-SETTLE', tokenType: 'RFID', stationId: station, locationId: 'OWN-S' }), { timeout: 5000 });
    expect(OcpiTokenAuthorizeReplyV1.parse(reply.json())).toMatchObject({ allowed: 'ALLOWED' });
  });
  afterAll(async () => {
    await nc?.close();
    await emsp?.close();
    await hub?.close();
  });

  const publisher = () => hub.t.app.get(EventPublisher);
  const started = (transactionId: number, meterStartWh: number, startedAt: string, extra: Partial<OcppTransactionStarted> = {}) =>
    publisher().publish(Subjects.OcppTransactionStarted, { stationId: station, connectorId: 1, transactionId, idTag: 'RFID-SETTLE', meterStartWh, startedAt, ...extra });
  const stopped = (transactionId: number, meterStopWh: number, stoppedAt: string, extra: Partial<OcppTransactionStopped> = {}) =>
    publisher().publish(Subjects.OcppTransactionStopped, { stationId: station, transactionId, meterStopWh, stoppedAt, ...extra });
  const meter = (transactionId: number, wh: number, at: string) =>
    publisher().publish(Subjects.OcppMeterSampled, { stationId: station, connectorId: 1, transactionId, timestamp: at, samples: [{ measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' }] });
  const sessionPut = (id: number) => emsp.calls('sessions', 'PUT').find((c) => c.path === `/sessions/TW/OWN/${id}`);
  const sessionPatches = (id: number) => emsp.calls('sessions', 'PATCH').filter((c) => c.path === `/sessions/TW/OWN/${id}`);
  const cdrOf = (id: number) => emsp.calls('cdrs', 'POST').find((c) => (c.body as { id: string }).id === String(id))?.body as Record<string, unknown> | undefined;

  /** Start, meter values and stop go to separate consumers: each step waits for the one before. */
  async function session(id: number, meterStartWh: number, readings: [number, string][], stop: { wh: number; at: string; energyWh?: number }) {
    await started(id, meterStartWh, '2025-07-01T00:00:00.000Z');
    expect(await eventually(() => sessionPut(id) !== undefined)).toBe(true);
    for (const [wh, at] of readings) await meter(id, wh, at);
    // A reading that raises the Session's kwh is PATCHed: wait for the last one that does.
    if (readings.length > 0) expect(await eventually(() => sessionPatches(id).length > 0)).toBe(true);
    await stopped(id, stop.wh, stop.at, stop.energyWh === undefined ? {} : { energyWh: stop.energyWh });
    expect(await eventually(() => cdrOf(id) !== undefined)).toBe(true);
    return { cdr: cdrOf(id)!, completed: sessionPatches(id).at(-1)!.body };
  }

  it("a meter that restarted during the session: the CDR and the final Session bill ocpp's energy, priced as such", async () => {
    // Started at 50 kWh; 1 kWh later the meter restarted and counted 4.2 kWh more from zero: ocpp settles 4.2 kWh.
    const { cdr, completed } = await session(20_001, 50_000, [[51_000, '2025-07-01T00:10:00.000Z'], [1_000, '2025-07-01T00:30:00.000Z']], { wh: 4_200, at: '2025-07-01T01:00:00.000Z', energyWh: 4_200 });
    expect(completed).toMatchObject({ status: 'COMPLETED', kwh: 4.2 });
    expect(cdr).toMatchObject({ total_energy: 4.2, total_energy_cost: { excl_vat: 42 }, total_cost: { excl_vat: 42 } });
    expect((cdr.charging_periods as { dimensions: { type: string; volume: number }[] }[])[0].dimensions).toContainEqual({ type: 'ENERGY', volume: 4.2 });
  });

  it('a stop without energyWh (an older ocpp) keeps the registers rule: their growth, 0 when the stop is below the start', async () => {
    const restarted = await session(20_101, 50_000, [], { wh: 4_200, at: '2025-07-01T01:00:00.000Z' });
    expect(restarted.completed).toMatchObject({ status: 'COMPLETED', kwh: 0 });
    expect(restarted.cdr).toMatchObject({ total_energy: 0 });
    const normal = await session(20_102, 1_000, [[3_000, '2025-07-01T00:30:00.000Z']], { wh: 6_000, at: '2025-07-01T01:00:00.000Z' });
    expect(normal.completed).toMatchObject({ status: 'COMPLETED', kwh: 5 });
    expect(normal.cdr).toMatchObject({ total_energy: 5, total_energy_cost: { excl_vat: 50 } });
  });

  it('a start ocpp refused (Invalid), which the charger may still run, gives the eMSP no Session, and its stop no CDR', async () => {
    await started(20_201, 0, '2025-07-02T00:00:00.000Z', { idTagStatus: 'Invalid' });
    await started(20_202, 0, '2025-07-02T00:05:00.000Z', { idTagStatus: 'Blocked' });
    // A later start on the same consumer, accepted: once its Session is sent, the refused ones were handled.
    await started(20_203, 0, '2025-07-02T00:10:00.000Z', { idTagStatus: 'Accepted' });
    expect(await eventually(() => sessionPut(20_203) !== undefined)).toBe(true);
    expect(sessionPut(20_201)).toBeUndefined();
    expect(sessionPut(20_202)).toBeUndefined();
    await stopped(20_201, 3_000, '2025-07-02T01:00:00.000Z', { energyWh: 3_000 });
    await stopped(20_203, 2_000, '2025-07-02T01:00:00.000Z', { energyWh: 2_000 });
    expect(await eventually(() => cdrOf(20_203) !== undefined)).toBe(true);
    expect(cdrOf(20_201)).toBeUndefined();
    expect(sessionPatches(20_201)).toHaveLength(0);
  });

  it('a start without idTagStatus (an older ocpp) still becomes the Session of the authorising eMSP', async () => {
    await started(20_301, 0, '2025-07-03T00:00:00.000Z');
    expect(await eventually(() => sessionPut(20_301) !== undefined)).toBe(true);
    expect(sessionPut(20_301)!.body).toMatchObject({ id: '20301', status: 'ACTIVE', cdr_token: { uid: 'RFID-SETTLE' } });
  });
});
