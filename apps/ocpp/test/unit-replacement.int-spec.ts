import { ChargePoint16, OcppCallError } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { api, ocppSuite, send, uniqueStation, type OcppHarness } from './harness.js';
import { configurationAnswer, ONBOARDING_KEYS } from './configuration-fixtures.js';
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
  it("drops what the old unit staged for its reboot (RebootRequired): the new unit never got it, and its failed read cannot correct it", async () => {
    const h = ocpp();
    const id = uniqueStation('SWC');
    const old = await booted(id, (c) => {
      c.handle('GetConfiguration', (req) => configurationAnswer(new Map(Object.entries(ONBOARDING_KEYS)), req.key ?? []));
      c.handle('ChangeConfiguration', () => ({ status: 'RebootRequired' }));
    });
    await boot(old, 'UNIT-1');
    const station = async () => (await api(h, 'GET', `/api/v1/stations/${id}`)).body as { configuration: Record<string, { value?: string }>; capabilities: Record<string, unknown> };
    await until(station, (s) => s.capabilities['chargeProfileMaxStackLevel'] === 8 && s.configuration['ChargeProfileMaxStackLevel']?.value === '8', 'the old unit onboarded');
    expect((await command(id, 'ChangeConfiguration', { key: 'ChargeProfileMaxStackLevel', value: '3' })).body.payload).toEqual({ status: 'RebootRequired' });
    await old.stop();
    const reads: string[] = [];
    const unit = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    unit.handle('GetConfiguration', () => (reads.push('GetConfiguration'), Promise.reject(new OcppCallError('InternalError', 'busy'))));
    void unit.start();
    try {
      await unit.waitOpen();
      await boot(unit, 'UNIT-2');
      await until(async () => reads, (r) => r.length > 0, 'the read after the boot');
      await new Promise((r) => setTimeout(r, 300));
      const after = await station();
      expect(after.configuration['ChargeProfileMaxStackLevel']?.value).not.toBe('3');
      expect(after.capabilities['chargeProfileMaxStackLevel']).not.toBe(3);
      const [row] = await h.db.query<{ pending_configuration: object }[]>('SELECT pending_configuration FROM stations WHERE id = $1', [id]);
      expect(row!.pending_configuration).toEqual({});
    } finally {
      await unit.stop();
    }
  }, 30_000);

  /** A unit booted as `serial` answering ReserveNow with `answer` (a throw: a CallError), every request recorded. */
  async function reservingUnit(h: OcppHarness, id: string, serial: string, answer: (req: Ocpp16.ReserveNowRequest) => string) {
    const asked: Ocpp16.ReserveNowRequest[] = [];
    const unit = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    unit.handle('GetConfiguration', () => ({ configurationKey: [] }));
    unit.handle('GetLocalListVersion', () => ({ listVersion: 0 }));
    unit.handle('ReserveNow', (req) => (asked.push(req), { status: answer(req) as Ocpp16.ReserveNowResponse['status'] }));
    void unit.start();
    await unit.waitOpen();
    await boot(unit, serial);
    return { unit, asked };
  }

  interface Reservation { reservationId: number; connectorId: number; idTag: string; expiryDate: string; status: string }
  const reservations = async (h: OcppHarness, id: string): Promise<Reservation[]> => (await api(h, 'GET', `/api/v1/reservations?stationId=${id}`)).body.items;

  /** Two reservations the old unit (UNIT-1) accepted, on connectors 1 and 2. */
  async function reservedOnOldUnit(h: OcppHarness, id: string): Promise<{ tags: string[]; expiry: string }> {
    const old = await reservingUnit(h, id, 'UNIT-1', () => 'Accepted');
    const tags = [uniqueTag('RA'), uniqueTag('RB')];
    const expiry = new Date(Date.now() + 3_600_000).toISOString();
    for (const [i, idTag] of tags.entries()) {
      const reply = await command(id, 'ReserveNow', { connectorId: i + 1, idTag, expiryDate: expiry });
      expect(reply.body.payload).toEqual({ status: 'Accepted' });
    }
    await old.unit.stop();
    return { tags, expiry };
  }

  it('sends the reservations the old unit accepted to the new unit, as they were (a reboot of the same unit keeps them itself)', async () => {
    const h = ocpp();
    const id = uniqueStation('SWV');
    const { tags, expiry } = await reservedOnOldUnit(h, id);
    const before = (await reservations(h, id)).sort((a, b) => a.connectorId - b.connectorId);
    expect(before.map((r) => r.status)).toEqual(['Accepted', 'Accepted']);
    const same = await reservingUnit(h, id, 'UNIT-1', () => 'Accepted');
    await new Promise((r) => setTimeout(r, 500));
    expect(same.asked).toEqual([]);
    await same.unit.stop();
    const { unit, asked } = await reservingUnit(h, id, 'UNIT-2', () => 'Accepted');
    try {
      await until(async () => asked, (a) => a.length === 2, 'the reservations sent again');
      expect(asked.map((r) => [r.reservationId, r.connectorId, r.idTag, new Date(r.expiryDate).toISOString()])).toEqual(
        before.map((r, i) => [r.reservationId, i + 1, tags[i], expiry]),
      );
      const after = await until(() => reservations(h, id), (rs) => rs.every((r) => r.status === 'Accepted'), 'the answers recorded');
      expect(after.map((r) => r.reservationId).sort()).toEqual(before.map((r) => r.reservationId).sort());
    } finally {
      await unit.stop();
    }
  }, 30_000);

  it('a reservation the new unit refuses, or answers with a CallError, reads ended (published)', async () => {
    const h = ocpp();
    const id = uniqueStation('SWX');
    await reservedOnOldUnit(h, id);
    const { unit, asked } = await reservingUnit(h, id, 'UNIT-2', (req) => {
      if (req.connectorId === 2) throw new OcppCallError('InternalError', 'busy');
      return 'Occupied';
    });
    try {
      await until(async () => asked, (a) => a.length === 2, 'the reservations sent again');
      const byConnector = async () => Object.fromEntries((await reservations(h, id)).map((r) => [r.connectorId, r.status]));
      expect(await until(byConnector, (s) => s[1] === 'Occupied' && s[2] === 'Failed', 'the outcomes')).toEqual({ 1: 'Occupied', 2: 'Failed' });
      // One row each: nothing of the old unit's comes back as held.
      expect(await reservations(h, id)).toHaveLength(2);
      const published = () => Promise.resolve(h.events.of('ocpp.reservation.updated', id).map((e) => `${e['connectorId']} ${e['status']}`));
      await until(published, (p) => p.includes('1 Occupied') && p.includes('2 Failed'), 'the outcomes published');
    } finally {
      await unit.stop();
    }
  }, 30_000);
});
