import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { api, replicaPair, testChargers } from './harness.js';
import { fullList, heldLocalLists, uniqueTag, until } from './local-list-helpers.js';

/**
 * Two replicas updating one charger's local list at once must never send one listVersion with two
 * contents (the charger's version would no longer say what it holds), and an operator's Full list
 * must not make the sync forget the token changes it has not sent yet.
 */
describe('local list races', () => {
  const { a, b } = replicaPair({});
  const { booted } = testChargers(a);

  const holding = async (idTag: string) => (await api(a(), 'GET', `/api/v1/id-tags/${idTag}/local-lists`)).body;


  it('two token changes landing on two replicas at once get distinct, increasing versions, and every change reaches the charger', async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(a(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const lists = heldLocalLists();
    const got = lists.got;
    const cp = await booted(undefined, lists.install);
    expect((await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, fullList(3, x, y))).status).toBe(200);
    lists.hold = true;
    // Replica A (holding the socket) sends X's update and waits for the charger's answer...
    await api(a(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(async () => got.length, (n) => n === 2, "X's update at the charger");
    // ...while replica B handles Y's change and decides what to send meanwhile.
    await api(b(), 'PUT', `/api/v1/id-tags/${y}`, { status: 'Blocked' });
    await new Promise((r) => setTimeout(r, 500));
    lists.hold = false;
    lists.release();
    const end = Date.now() + 8_000;
    while (Date.now() < end) {
      lists.release();
      const items: { syncNeeded: boolean; listVersion: number }[] = [...(await holding(x)).items, ...(await holding(y)).items];
      if (items.length === 2 && items.every((i) => !i.syncNeeded)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const versions = got.slice(1).map((r) => r.listVersion);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions).toEqual([4, 5]);
    // The charger's final list holds both changes, at the version stored for it.
    const charger = new Map<string, unknown>();
    for (const r of got) for (const e of r.localAuthorizationList ?? []) charger.set(e.idTag, e.idTagInfo?.status);
    expect(Object.fromEntries(charger)).toEqual({ [x]: 'Blocked', [y]: 'Blocked' });
    for (const t of [x, y]) expect((await holding(t)).items).toEqual([expect.objectContaining({ idTagInfo: { status: 'Blocked' }, listVersion: versions.at(-1), syncNeeded: false, certain: true })]);
  });

  it("an operator's Full list carrying a token's old state keeps the token's mark: the change is still sent", async () => {
    const x = uniqueTag('X');
    await api(a(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    let failing = true;
    const cp = await booted(undefined, (c: ChargePoint16) =>
      c.handle('SendLocalList', (req) => {
        got.push(req);
        if (req.updateType === 'Differential' && failing) throw new Error('busy (simulated)');
        return { status: 'Accepted' };
      }),
    );
    await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, fullList(3, x));
    await api(a(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(async () => got.length, (n) => n === 2, 'the failed Differential');
    // The operator's list, built from an old export, still holds X as Accepted.
    expect((await api(a(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList`, fullList(5, x))).status).toBe(200);
    expect((await holding(x)).items).toEqual([expect.objectContaining({ idTagInfo: { status: 'Accepted' }, listVersion: 5, certain: true, syncNeeded: true })]);
    failing = false;
    await a().app.app.get(LocalListSync).sweep();
    expect(got.at(-1)).toEqual({ listVersion: 6, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    await until(() => holding(x), (h) => h.items[0]?.listVersion === 6 && !h.items[0]?.syncNeeded, 'the change recorded');
  });
});
