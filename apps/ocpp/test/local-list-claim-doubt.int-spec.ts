import { jest } from '@jest/globals';
import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { CommandService } from '../src/commands/command.service.js';
import { api, replicaPair, testChargers } from './harness.js';
import { heldLocalLists, uniqueTag } from './local-list-helpers.js';

/**
 * A sync on a replica that does not hold the socket sends its update over the bus. When the bus
 * gives up (Timeout: the holding replica was slow to take the command, or to answer) the update
 * may still be queued or in flight there. Releasing the list's claim then let the next sync hand
 * out the very same version, with other contents: the charger got one version twice.
 */
describe('local list claim after an update of unknown outcome (review)', () => {
  const { a, b } = replicaPair({});
  const { booted } = testChargers(a);


  it('a bus timeout keeps the claim: the next sync sends above the version that may still reach the charger', async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(a(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const lists = heldLocalLists();
    const got = lists.got;
    const cp = await booted(undefined, lists.install);
    const full = { listVersion: 3, updateType: 'Full', localAuthorizationList: [x, y].map((idTag) => ({ idTag, idTagInfo: { status: 'Accepted' } })) };
    expect((await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, full)).status).toBe(200);

    // Replica B's bus request gives up while replica A still has the CALL at the charger.
    const service = b().app.app.get(CommandService);
    const original = service.send.bind(service);
    let gaveUp!: () => void;
    const bGaveUp = new Promise<void>((r) => (gaveUp = r));
    jest.spyOn(service, 'send').mockImplementationOnce(async (stationId, request): Promise<OcppCommandReply> => {
      void original(stationId, request);
      await new Promise((r) => setTimeout(r, 300));
      setTimeout(gaveUp, 200);
      return { status: 'error', code: OcppCommandErrorCode.ReplicaTimeout, description: `no answer from the replica holding ${stationId} in time`, mayHaveActed: true };
    });
    lists.hold = true;
    await api(b(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await bGaveUp;
    expect(got.map((r) => r.listVersion)).toEqual([3, 4]);

    // Another change, on the holding replica: its sync must not send version 4 again.
    await api(a(), 'PUT', `/api/v1/id-tags/${y}`, { status: 'Blocked' });
    await new Promise((r) => setTimeout(r, 1_000));
    lists.hold = false;
    lists.release();
    await new Promise((r) => setTimeout(r, 500));
    // B's claim lapses (its lease, OCPP_CALL_TIMEOUT_MS + 30 s, shortened here).
    await a().db.query(`UPDATE local_lists SET sync_until = now() - interval '1 second' WHERE station_id = $1 AND sync_owner IS NOT NULL`, [cp.identity]);
    const end = Date.now() + 8_000;
    while (Date.now() < end && got.length < 3) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const versions = got.slice(1).map((r) => r.listVersion);
    expect(versions).toEqual([4, 5]);
    expect(got[2]?.localAuthorizationList).toEqual(expect.arrayContaining([{ idTag: y, idTagInfo: { status: 'Blocked' } }]));
  });
});
