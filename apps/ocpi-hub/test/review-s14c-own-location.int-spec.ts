import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

type Obj = { id: string; last_updated: string };

/**
 * Review s14c: an own Location's `last_updated` is the hub's time of the change for EVSE statuses;
 * the operator's PUT of the Location (a description edit, a new Location) must not take it back to
 * the operator's date either: an eMSP polling with `date_from` = its last poll would miss the edit
 * (pushes are not retried), and one dropping an update older than what it holds drops the PUT.
 */
describe('review s14c: an own Location PUT by the operator keeps last_updated moving forward', () => {
  let hub: Hub;
  let emsp: FakePartner;
  const station = 'TW-TPE-S14C';
  const get = async (query: string): Promise<Obj[]> => (await emsp.fetchJson('GET', `${emsp.hubUrl('locations', 'SENDER')}?${query}`)).body.data as Obj[];

  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    await hub.register(emsp);
    expect((await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } })).status).toBe(201);
  });
  afterAll(async () => {
    await emsp?.close();
    await hub?.close();
  });

  it('a re-PUT with the description file\'s old date after a status change is still in the next date_from poll', async () => {
    const location = sampleLocation221({ id: 'OWN-S14C', lastUpdated: '2025-06-18T00:00:00Z' });
    const evses = [{ evseUid: '3256', stationId: station, connectorId: 1 }];
    expect((await hub.api('PUT', 'own/locations/OWN-S14C', { location, evses })).status).toBe(200);
    await hub.t.app.get(EventPublisher).publish(Subjects.OcppConnectorStatus, { stationId: station, connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 1)).toBe(true);
    const patched = (emsp.calls('locations', 'PATCH')[0].body as { last_updated: string }).last_updated;
    const lastPoll = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // The operator edits the name from the same file: its last_updated is the file's.
    const edited = { ...location, name: 'Renamed' };
    expect((await hub.api('PUT', 'own/locations/OWN-S14C', { location: edited, evses })).status).toBe(200);
    const cached = (await hub.api('GET', 'own/locations/OWN-S14C')).body as Obj;
    expect(Date.parse(cached.last_updated)).toBeGreaterThanOrEqual(Date.parse(patched));
    expect((await get(`date_from=${encodeURIComponent(lastPoll)}`)).map((l) => l.id)).toContain('OWN-S14C');
  });
});
