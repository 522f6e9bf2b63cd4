import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { startHarness, waitFor, type Harness } from './harness.js';

/** The planner owns the group ↔ station mapping; oscp follows its announcements. */
describe('group membership from the planner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: '2024-10-01T02:00:00.000Z' });
  });
  afterAll(() => h?.close(), 30_000);

  it('applies the planner’s station list to existing and later groups, newest announcement wins', async () => {
    const created = await h.op('POST', '/partners', { name: 'p', profile: 'generic', baseUrl: 'http://127.0.0.1:9/oscp', initialToken: 'TOKEN-0123456789' });
    const partnerId: string = created.body.id;
    await h.op('PUT', `/partners/${partnerId}/groups/G-A`, { contractCapacityKw: 100, stations: ['OLD-1'] });
    const bus = h.oscp.app.get(EventPublisher);
    const stationsOf = async (groupId: string) => (await h.op('GET', `/partners/${partnerId}/groups`)).body.find((g: { groupId: string }) => g.groupId === groupId)?.stations;

    await bus.publish(Subjects.PlannerGroupTopologyChanged, { groupId: 'G-A', stationIds: ['CP-1', 'CP-2'], deleted: false, changedAt: '2024-10-01T02:00:00.000Z' });
    await waitFor(async () => JSON.stringify(await stationsOf('G-A')) === '["CP-1","CP-2"]', 'membership applied');
    // An older announcement (redelivered late) does not undo a newer one.
    await bus.publish(Subjects.PlannerGroupTopologyChanged, { groupId: 'G-A', stationIds: ['CP-OLD'], deleted: false, changedAt: '2024-10-01T01:00:00.000Z' });
    await bus.publish(Subjects.PlannerGroupTopologyChanged, { groupId: 'G-B', stationIds: ['CP-9'], deleted: false, changedAt: '2024-10-01T02:00:00.000Z' });
    await waitFor(async () => {
      await h.op('PUT', `/partners/${partnerId}/groups/G-B`, { contractCapacityKw: 50 });
      return JSON.stringify(await stationsOf('G-B')) === '["CP-9"]';
    }, 'a group configured later takes the planner’s list');
    expect(await stationsOf('G-A')).toEqual(['CP-1', 'CP-2']);
  });
});
