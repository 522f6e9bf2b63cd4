import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { api, replicaPair, testChargers } from './harness.js';

/** A token changed on a replica that does not hold the charger's socket still reaches its local list (over ocpp.command.{stationId}). */
describe('local list sync across replicas', () => {
  const { a, b } = replicaPair({});
  const { booted } = testChargers(a);

  it('a token blocked through replica B is sent to the charger connected to replica A, and recorded', async () => {
    const x = `XR-${Math.random().toString(36).slice(2, 8)}`.toUpperCase();
    const got: Ocpp16.SendLocalListRequest[] = [];
    const cp = await booted(undefined, (c) => c.handle('SendLocalList', (req) => (got.push(req), { status: 'Accepted' })));
    await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, { listVersion: 2, updateType: 'Full', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Accepted' } }] });
    expect((await api(b(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' })).status).toBe(201);
    const end = Date.now() + 5_000;
    let held: { items: { listVersion: number; syncNeeded: boolean; idTagInfo: unknown }[] } = { items: [] };
    while (Date.now() < end) {
      held = (await api(b(), 'GET', `/api/v1/id-tags/${x}/local-lists`)).body;
      if (held.items[0]?.listVersion === 3 && !held.items[0].syncNeeded) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(got[1]).toEqual({ listVersion: 3, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    expect(held.items).toEqual([expect.objectContaining({ idTagInfo: { status: 'Blocked' }, listVersion: 3, syncNeeded: false, certain: true })]);
  });
});
