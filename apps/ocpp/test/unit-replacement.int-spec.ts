import { ChargePoint16, OcppCallError } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { api, ocppSuite, send, uniqueStation, type OcppHarness } from './harness.js';
import { applyToList, fullList, uniqueTag, until, type ChargerList } from './local-list-helpers.js';

/**
 * A faulty charger swapped for another unit under the same identity (its BootNotification reports
 * another serial number) holds none of the old unit's local list or availability: the central
 * system must neither show the old list as the charger's nor build Differential updates on it.
 */
describe('a replaced unit (same identity, another serial number)', () => {
  const { ocpp, booted, command } = ocppSuite({});
  const boot = (cp: ChargePoint16, serial: string) => send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', chargePointSerialNumber: serial });
  const localList = async (h: OcppHarness, id: string) => (await api(h, 'GET', `/api/v1/stations/${id}/local-list`)).body;

  /** The old unit, booted with serial UNIT-1, holding a Full list v5 of `tags`. */
  async function oldUnitWithList(h: OcppHarness, id: string, tags: string[]): Promise<ChargePoint16> {
    for (const t of tags) expect((await api(h, 'PUT', `/api/v1/id-tags/${t}`, {})).status).toBe(201);
    const old = await booted(id, (c) => {
      c.handle('SendLocalList', () => ({ status: 'Accepted' }));
      c.handle('GetConfiguration', () => ({ configurationKey: [] }));
    });
    await boot(old, 'UNIT-1');
    expect((await command(id, 'SendLocalList', fullList(5, ...tags))).status).toBe(200);
    expect(await localList(h, id)).toMatchObject({ listVersion: 5, certain: true, entries: 2 });
    await old.stop();
    return old;
  }

  /** The new unit: an empty list (version 0) or `version` as set, every update recorded and applied. */
  function newUnit(h: OcppHarness, id: string, version: () => Promise<number>) {
    const held: ChargerList = { version: 0, entries: new Map() };
    const calls: string[] = [];
    const unit = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    unit.handle('GetConfiguration', () => ({ configurationKey: [] }));
    unit.handle('GetLocalListVersion', async () => (calls.push('GetLocalListVersion'), { listVersion: await version() }));
    unit.handle('SendLocalList', (req: Ocpp16.SendLocalListRequest) => {
      calls.push(`SendLocalList ${req.updateType} v${req.listVersion}`);
      applyToList(held, req);
      return { status: 'Accepted' };
    });
    unit.handle('ChangeAvailability', (req) => (calls.push(`ChangeAvailability ${req.connectorId} ${req.type}`), { status: 'Accepted' }));
    return { unit, held, calls };
  }

  it("asks the new unit its version and sends it the list as a Full update: the view never claims the old unit's list", async () => {
    const h = ocpp();
    const id = uniqueStation('SWP');
    const tags = [uniqueTag('LA'), uniqueTag('LB')];
    await oldUnitWithList(h, id, tags);
    const { unit, held, calls } = newUnit(h, id, async () => held.version);
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-2');
      // The old unit's list, v5 certain with 2 entries, is not shown as the new unit's at any point.
      const list = await until(() => localList(h, id), (l) => l.certain === true, 'the list after the new unit booted');
      expect(list).toMatchObject({ listVersion: 1, certain: true, entries: 2, repairPending: false });
      expect(calls.filter((c) => !c.startsWith('ChangeAvailability'))).toEqual(['GetLocalListVersion', 'SendLocalList Full v1']);
      expect([...held.entries.keys()].sort()).toEqual([...tags].sort());
      // A token change is then a Differential on what the new unit really holds.
      expect((await api(h, 'PUT', `/api/v1/id-tags/${tags[0]}`, { status: 'Blocked' })).status).toBe(200);
      await until(async () => held.version, (v) => v === 2, 'the Differential after the token change');
      expect(calls.at(-1)).toBe('SendLocalList Differential v2');
      expect(held.entries.get(tags[0]!)).toBe('Blocked');
      expect(await until(() => localList(h, id), (l) => l.listVersion === 2, 'the view after the Differential')).toMatchObject({ certain: true, entries: 2 });
    } finally {
      await unit.stop();
    }
  }, 30_000);

  it('sends no Differential to a new unit whose version is not known (GetLocalListVersion not answered)', async () => {
    const h = ocpp();
    const id = uniqueStation('SWQ');
    const tags = [uniqueTag('LC'), uniqueTag('LD')];
    await oldUnitWithList(h, id, tags);
    const { unit, calls } = newUnit(h, id, () => Promise.reject(new OcppCallError('InternalError', 'busy')));
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-2');
      await until(async () => calls, (c) => c.includes('GetLocalListVersion'), 'the ask after the boot');
      expect(await localList(h, id)).toMatchObject({ listVersion: null, certain: false });
      expect((await api(h, 'PUT', `/api/v1/id-tags/${tags[0]}`, { status: 'Blocked' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(calls.filter((c) => c.startsWith('SendLocalList'))).toEqual([]);
      expect(await localList(h, id)).toMatchObject({ listVersion: null, certain: false });
    } finally {
      await unit.stop();
    }
  }, 30_000);

  it('a new unit that cannot answer GetLocalListVersion (NotImplemented) is asked once, sent nothing, its list left uncertain', async () => {
    const h = ocpp();
    const id = uniqueStation('SWN');
    await oldUnitWithList(h, id, [uniqueTag('LG'), uniqueTag('LH')]);
    const { unit, calls } = newUnit(h, id, () => Promise.reject(new OcppCallError('NotImplemented', 'no local list')));
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-2');
      await until(async () => calls, (c) => c.includes('GetLocalListVersion'), 'the ask after the boot');
      // What a sweep or a later connection does: nothing is due any more.
      await (h.app.app.get(LocalListSync) as LocalListSync).station(id);
      expect(calls).toEqual(['GetLocalListVersion']);
      expect(await localList(h, id)).toMatchObject({ listVersion: null, certain: false, repairPending: false });
    } finally {
      await unit.stop();
    }
  }, 30_000);

  it('a reboot of the same unit keeps its list and asks nothing', async () => {
    const h = ocpp();
    const id = uniqueStation('SWR');
    await oldUnitWithList(h, id, [uniqueTag('LE'), uniqueTag('LF')]);
    const { unit, calls } = newUnit(h, id, async () => 5);
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-1');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(calls).toEqual([]);
      expect(await localList(h, id)).toMatchObject({ listVersion: 5, certain: true, entries: 2 });
    } finally {
      await unit.stop();
    }
  }, 30_000);

  it("re-applies the operator's Inoperative to the new unit after its boot (a reboot of the same unit keeps it itself)", async () => {
    const h = ocpp();
    const id = uniqueStation('SWA');
    const old = await booted(id, (c) => {
      c.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
      c.handle('GetConfiguration', () => ({ configurationKey: [] }));
    });
    await boot(old, 'UNIT-1');
    expect((await command(id, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).status).toBe(200);
    expect((await command(id, 'ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).status).toBe(200);
    expect((await command(id, 'ChangeAvailability', { connectorId: 2, type: 'Operative' })).status).toBe(200);
    await old.stop();
    const same = newUnit(h, id, async () => 0);
    void same.unit.start();
    await same.unit.waitOpen();
    await boot(same.unit, 'UNIT-1');
    await new Promise((r) => setTimeout(r, 500));
    expect(same.calls).toEqual([]);
    await same.unit.stop();
    const { unit, calls } = newUnit(h, id, async () => 0);
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-2');
      await until(async () => calls, (c) => c.includes('ChangeAvailability 1 Inoperative'), 'the re-applied availability');
      const availability = (await api(h, 'GET', `/api/v1/stations/${id}`)).body.availability as { connectorId: number; type: string; status: string }[];
      expect(availability.map((a) => [a.connectorId, a.type, a.status])).toEqual([
        [1, 'Inoperative', 'Accepted'],
        [2, 'Operative', 'Accepted'],
      ]);
      expect(calls.filter((c) => c.startsWith('ChangeAvailability'))).toEqual(['ChangeAvailability 1 Inoperative']);
    } finally {
      await unit.stop();
    }
  }, 30_000);
});
