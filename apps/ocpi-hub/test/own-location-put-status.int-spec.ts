import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { sampleEvse221, sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually } from '@cpo/testing';
import { startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

type Evse = { uid: string; status: string };
type Loc = { id: string; evses: Evse[] };
type Obj = { id: string; last_updated: string };

/**
 * An operator's re-PUT of an own Location (a nightly sync of the description file) carries the
 * file's stale EVSE statuses and its old date: the live statuses, kept by status notifications, must
 * survive it, in the cache and in the PUT broadcast to eMSPs, or drivers are sent to chargers that
 * are in use; and its `last_updated` is the hub's time of the edit, never back to the file's: an eMSP
 * polling with `date_from` = its last poll would miss the edit (pushes are not retried), and one
 * dropping an update older than what it holds drops the PUT.
 */
describe('own Location PUT by the operator', () => {
  let hub: Hub;
  let emsp: FakePartner;
  const station = 'TW-TPE-PUTST';
  const get = async (query: string): Promise<Obj[]> => (await emsp.fetchJson('GET', `${emsp.hubUrl('locations', 'SENDER')}?${query}`)).body.data as Obj[];
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
    expect(await eventually(() => emsp.calls('locations', 'PATCH').filter((c) => c.path.startsWith('/locations/TW/OWN/OWN-PUTST/')).length === 1)).toBe(true);
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

  it('a re-PUT with the description file\'s old date after a status change is still in the next date_from poll', async () => {
    const location = sampleLocation221({ id: 'OWN-S14C', lastUpdated: '2025-06-18T00:00:00Z' });
    const evses = [{ evseUid: '3256', stationId: 'TW-TPE-S14C', connectorId: 1 }];
    expect((await hub.api('PUT', 'own/locations/OWN-S14C', { location, evses })).status).toBe(200);
    await hub.t.app.get(EventPublisher).publish(Subjects.OcppConnectorStatus, { stationId: 'TW-TPE-S14C', connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
    const patches = () => emsp.calls('locations', 'PATCH').filter((c) => c.path.startsWith('/locations/TW/OWN/OWN-S14C/'));
    expect(await eventually(() => patches().length === 1)).toBe(true);
    const patched = (patches()[0].body as { last_updated: string }).last_updated;
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
