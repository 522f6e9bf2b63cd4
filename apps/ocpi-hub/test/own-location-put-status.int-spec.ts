import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { sampleEvse221, sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

type Evse = { uid: string; status: string };
type Loc = { id: string; evses: Evse[] };

/**
 * An operator's re-PUT of an own Location (a nightly sync of the description file) carries the
 * file's stale EVSE statuses: the live ones, kept by status notifications, must survive it, in the
 * cache and in the PUT broadcast to eMSPs, or drivers are sent to chargers that are in use.
 */
describe('own Location PUT keeps the live EVSE statuses', () => {
  let hub: Hub;
  let emsp: FakePartner;
  const station = 'TW-TPE-PUTST';
  const statusOf = (l: Loc, uid: string) => l.evses.find((e) => e.uid === uid)?.status;

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

  it('a re-PUT of the same file keeps CHARGING of a mapped EVSE; new and unmapped EVSEs take the file\'s status', async () => {
    const location = sampleLocation221({ id: 'OWN-PUTST', lastUpdated: '2025-06-18T00:00:00Z' });
    const file = { ...location, evses: [...(location.evses as Evse[]), { ...sampleEvse221('UNMAPPED'), status: 'BLOCKED' }] };
    const evses = [{ evseUid: '3256', stationId: station, connectorId: 1 }];
    expect((await hub.api('PUT', 'own/locations/OWN-PUTST', { location: file, evses })).status).toBe(200);
    await hub.t.app.get(EventPublisher).publish(Subjects.OcppConnectorStatus, { stationId: station, connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
    expect(await eventually(() => emsp.calls('locations', 'PATCH').length === 1)).toBe(true);
    const puts = () => emsp.calls('locations', 'PUT').filter((c) => c.path === '/locations/TW/OWN/OWN-PUTST');
    expect(await eventually(() => puts().length === 1)).toBe(true);

    // The same file again (3256 AVAILABLE in it), the unmapped EVSE edited, plus a new mapped EVSE.
    const resent = { ...file, evses: [(file.evses as Evse[])[0], { ...sampleEvse221('UNMAPPED'), status: 'AVAILABLE' }, { ...sampleEvse221('NEW'), status: 'INOPERATIVE' }] };
    const put = await hub.api('PUT', 'own/locations/OWN-PUTST', { location: resent, evses: [...evses, { evseUid: 'NEW', stationId: station, connectorId: 2 }] });
    expect(put.status).toBe(200);
    const cached = (await hub.api('GET', 'own/locations/OWN-PUTST')).body as Loc;
    expect(statusOf(cached, '3256')).toBe('CHARGING');
    expect(statusOf(cached, 'UNMAPPED')).toBe('AVAILABLE');
    expect(statusOf(cached, 'NEW')).toBe('INOPERATIVE');
    expect(await eventually(() => puts().length === 2)).toBe(true);
    const broadcast = puts()[1].body as Loc;
    expect(statusOf(broadcast, '3256')).toBe('CHARGING');
    expect(statusOf(broadcast, 'NEW')).toBe('INOPERATIVE');
  });
});
