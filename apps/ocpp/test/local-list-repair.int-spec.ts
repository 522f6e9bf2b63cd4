import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { LocalListRepository } from '../src/authorization/local-list.repository.js';
import { api, ocppSuite } from './harness.js';
import { uniqueTag, until } from './local-list-helpers.js';

/**
 * A local list left uncertain by an update that went unanswered is repaired by asking the charger
 * its version (GetLocalListVersion) when it next connects, or at the sweep: the update's version
 * means it was applied, the version before it that it was not; anything else leaves it uncertain.
 */
describe('local list repair after an unanswered update', () => {
  const { ocpp, booted, command } = ocppSuite();
  const stationList = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;
  const accepted = { status: 'Accepted' };
  const fullList = (listVersion: number, ...idTags: string[]) => ({ listVersion, updateType: 'Full', localAuthorizationList: idTags.map((idTag) => ({ idTag, idTagInfo: accepted })) });


  /** A charger that accepts every SendLocalList (recorded), answers GetLocalListVersion with `version()`, and drops the connection on a Differential while `drop` is set. */
  function charger(got: Ocpp16.SendLocalListRequest[], version: () => number, drop = false) {
    return (cp: ChargePoint16) => {
      cp.handle('SendLocalList', (req) => {
        got.push(req);
        if (drop && req.updateType === 'Differential') {
          // Received, never answered: the central system cannot tell whether it was applied.
          cp.dropConnection();
          return new Promise<Ocpp16.SendLocalListResponse>(() => undefined);
        }
        return { status: 'Accepted' };
      });
      cp.handle('GetLocalListVersion', () => ({ listVersion: version() }));
    };
  }

  /** A station holding the Full list v3 [x, y] whose sync Differential v4 (x Blocked) went unanswered. */
  async function unanswered() {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    const cp = await booted(undefined, charger(got, () => 3, true));
    await command(cp.identity, 'SendLocalList', fullList(3, x, y));
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    const left = await until(() => stationList(cp.identity), (l) => l.status === 'TimedOut', 'the unanswered Differential recorded');
    expect(got[1]).toEqual({ listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    expect(left).toMatchObject({ listVersion: null, certain: false, repairPending: true });
    await cp.stop();
    return { x, y, got, id: cp.identity };
  }

  it('the charger reports the update\'s version on reconnecting: the update is applied, the list certain with the new entries', async () => {
    const { x, y, got, id } = await unanswered();
    await booted(id, charger(got, () => 4));
    const list = await until(() => stationList(id), (l) => l.certain === true && l.items.every((i: { syncNeeded: boolean }) => !i.syncNeeded), 'the list repaired');
    expect(list).toMatchObject({ listVersion: 4, entries: 2, repairPending: false });
    expect(list.items).toEqual([
      { idTag: x, idTagInfo: { status: 'Blocked' }, syncNeeded: false },
      { idTag: y, idTagInfo: accepted, syncNeeded: false },
    ]);
    // Nothing sent again: the charger holds the update.
    expect(got).toHaveLength(2);
  });

  it('the charger reports the version before the update: the old entries are certain again and the marked token is then synced', async () => {
    const { x, y, got, id } = await unanswered();
    await booted(id, charger(got, () => 3));
    const list = await until(() => stationList(id), (l) => l.listVersion === 4 && l.certain === true && l.items.every((i: { syncNeeded: boolean }) => !i.syncNeeded), 'the list repaired, then synced');
    expect(got[2]).toEqual({ listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    expect(list).toMatchObject({ entries: 2, repairPending: false });
    expect(list.items).toEqual([
      { idTag: x, idTagInfo: { status: 'Blocked' }, syncNeeded: false },
      { idTag: y, idTagInfo: accepted, syncNeeded: false },
    ]);
  });

  it('the charger reports another version: the list stays uncertain (a Full list is due) and is not asked again', async () => {
    const { x, got, id } = await unanswered();
    let asked = 0;
    await booted(id, (cp) => {
      charger(got, () => 7)(cp);
      cp.handle('GetLocalListVersion', () => (asked++, { listVersion: 7 }));
    });
    const list = await until(() => stationList(id), (l) => l.listVersion === 7, 'the version reported');
    expect(list).toMatchObject({ certain: false, repairPending: false });
    expect(list.items).toEqual(expect.arrayContaining([{ idTag: x, idTagInfo: { status: 'Blocked' }, syncNeeded: true }]));
    await ocpp().app.app.get(LocalListSync).sweep();
    expect(asked).toBe(1);
    expect(got).toHaveLength(2);
  });

  it.each([
    ['its version', 5, ['Z'], 1],
    ['the version before it', 3, ['X', 'Y'], 2],
  ] as const)('a Full update left unanswered, repaired by the sweep (charger reports %s)', async (_what, reported, held, entries) => {
    const names: Record<string, string> = { X: uniqueTag('X'), Y: uniqueTag('Y'), Z: uniqueTag('Z') };
    let answer = true;
    let version = 3;
    const cp = await booted(undefined, (c) => {
      c.handle('SendLocalList', () => (answer ? { status: 'Accepted' } : new Promise((resolve) => setTimeout(() => resolve({ status: 'Accepted' as const }), 600))));
      c.handle('GetLocalListVersion', () => ({ listVersion: version }));
    });
    await command(cp.identity, 'SendLocalList', fullList(3, names['X']!, names['Y']!));
    answer = false;
    expect((await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList?timeoutMs=300`, fullList(5, names['Z']!))).status).toBe(504);
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: null, certain: false, total: 3, repairPending: true });
    await new Promise((r) => setTimeout(r, 400));
    version = reported;
    await ocpp().app.app.get(LocalListSync).sweep();
    const list = await stationList(cp.identity);
    expect(list).toMatchObject({ listVersion: reported, certain: true, entries, repairPending: false });
    expect(list.items.map((i: { idTag: string }) => i.idTag)).toEqual(held.map((h) => names[h]).sort());
  });

  it("an operator's accepted update supersedes the pending one; a repeated answer (another replica's) settles nothing twice", async () => {
    const { y, got, id } = await unanswered();
    const repo = ocpp().app.app.get(LocalListRepository);
    // Two answers recorded at once (two replicas asking): one settles, the other finds nothing pending.
    const outcomes = await Promise.all([repo.reported(id, 4), repo.reported(id, 4)]);
    expect(outcomes.map((o) => o?.outcome ?? 'none').sort()).toEqual(['applied', 'none']);
    expect(await stationList(id)).toMatchObject({ listVersion: 4, certain: true, entries: 2 });

    // Another update left unanswered (y blocked), then the operator's Full list is accepted before any repair.
    const cp = await booted(id, charger(got, () => 4, true));
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${y}`, { status: 'Blocked' });
    await until(() => stationList(id), (l) => l.repairPending === true, 'the second unanswered update');
    await cp.stop();
    await repo.applied(id, { listVersion: 9, updateType: 'Full', localAuthorizationList: [{ idTag: y, idTagInfo: { status: 'Blocked' } }] }, 1);
    expect(await stationList(id)).toMatchObject({ listVersion: 9, certain: true, entries: 1, repairPending: false });
    expect(await repo.reported(id, 5)).toBeUndefined();
  });
});
