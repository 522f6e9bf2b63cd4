import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { api, ocppSuite, readOnlyConfiguration } from './harness.js';
import { fullList, uniqueTag, until } from './local-list-helpers.js';

/**
 * A token blocked, expired or deleted through the API reaches the local lists holding it (OCPP 1.6
 * §5.15): otherwise the card keeps working offline, and online at chargers starting from their list.
 */
describe('local lists follow token changes', () => {
  const { ocpp, booted, command } = ocppSuite();
  const holding = async (idTag: string) => (await api(ocpp(), 'GET', `/api/v1/id-tags/${idTag}/local-lists`)).body;


  /** A charger recording every SendLocalList; Differential answers wait for `release` when `hold` is set. */
  function recording(cp: ChargePoint16, state: { hold?: boolean; release?: () => void; answer?: Ocpp16.SendLocalListResponse['status'] }, got: Ocpp16.SendLocalListRequest[]) {
    cp.handle('SendLocalList', (req) => {
      got.push(req);
      const status = req.updateType === 'Differential' ? (state.answer ?? 'Accepted') : 'Accepted';
      if (req.updateType === 'Differential' && state.hold) return new Promise((resolve) => (state.release = () => resolve({ status })));
      return { status };
    });
  }


  it('a token blocked through the API is sent to the connected charger holding it as a Differential at its version + 1; the REST answer does not wait for it', async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    const state: { hold?: boolean; release?: () => void } = {};
    const cp = await booted(undefined, (c) => recording(c, state, got));
    await command(cp.identity, 'SendLocalList', fullList(3, x.toLowerCase(), y));
    state.hold = true;
    // The charger has not answered the update when the PUT is answered.
    expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' })).status).toBe(200);
    await until(async () => got.length, (n) => n === 2, 'the Differential');
    expect(got[1]).toEqual({ listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: x.toLowerCase(), idTagInfo: { status: 'Blocked' } }] });
    expect((await holding(x)).items[0]).toMatchObject({ listVersion: 3, syncNeeded: true });
    state.release!();
    const after = await until(() => holding(x), (b) => b.items[0]?.listVersion === 4 && !b.items[0]?.syncNeeded, 'the accepted update recorded');
    expect(after.items).toEqual([{ stationId: cp.identity, idTag: x.toLowerCase(), idTagInfo: { status: 'Blocked' }, certain: true, listVersion: 4, syncNeeded: false, repairPending: false }]);
    // The same token PUT again unchanged: nothing to send.
    state.hold = false;
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(() => holding(x), (b) => b.items[0]?.syncNeeded === false, 'the unchanged entry settled');
    expect(got).toHaveLength(2);
  });

  it('a token deleted, or expired, through the API: the entry is removed, or its expiry sent', async () => {
    const [gone, old] = [uniqueTag('GONE'), uniqueTag('OLD')];
    for (const t of [gone, old]) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    const cp = await booted(undefined, (c) => recording(c, {}, got));
    await command(cp.identity, 'SendLocalList', fullList(8, gone, old));
    expect((await api(ocpp(), 'DELETE', `/api/v1/id-tags/${gone}`)).status).toBe(204);
    await until(() => holding(gone), (b) => b.items.length === 0, 'the removal applied');
    expect(got[1]).toEqual({ listVersion: 9, updateType: 'Differential', localAuthorizationList: [{ idTag: gone }] });
    const expiryDate = '2020-01-01T00:00:00.000Z';
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${old}`, { status: 'Accepted', expiryDate });
    await until(async () => got.length, (n) => n === 3, 'the expiry sent');
    expect(got[2]).toEqual({ listVersion: 10, updateType: 'Differential', localAuthorizationList: [{ idTag: old, idTagInfo: { status: 'Expired', expiryDate } }] });
    await until(() => holding(old), (b) => b.items[0]?.listVersion === 10 && !b.items[0]?.syncNeeded, 'the expiry recorded');
  });

  it('a station offline gets the update when it connects again; one whose list is not certain gets none (it is only marked)', async () => {
    const x = uniqueTag('X');
    const got: Ocpp16.SendLocalListRequest[] = [];
    const offline = await booted(undefined, (c) => recording(c, {}, got));
    await command(offline.identity, 'SendLocalList', fullList(5, x));
    await offline.stop();
    const uncertain = await booted(undefined, (c) => {
      c.handle('SendLocalList', () => new Promise((resolve) => setTimeout(() => resolve({ status: 'Accepted' }), 600)));
    });
    expect((await api(ocpp(), 'POST', `/api/v1/stations/${uncertain.identity}/commands/SendLocalList?timeoutMs=300`, fullList(2, x))).status).toBe(504);

    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(() => holding(x), (b) => b.items.length === 2 && b.items.every((i: { syncNeeded: boolean }) => i.syncNeeded), 'both marked');
    const back = await booted(offline.identity, (c) => recording(c, {}, got));
    await until(async () => got.length, (n) => n === 2, 'the update after the boot');
    expect(got[1]).toEqual({ listVersion: 6, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    const after = await until(() => holding(x), (b) => b.items.some((i: { stationId: string; syncNeeded: boolean }) => i.stationId === back.identity && !i.syncNeeded), 'the update recorded');
    expect(after.items.find((i: { stationId: string }) => i.stationId === uncertain.identity)).toMatchObject({ certain: false, syncNeeded: true, idTagInfo: { status: 'Accepted' } });
  });

  it('a station taking fewer entries per SendLocalList (SendLocalListMaxLength) gets the pending entries in as many updates', async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    const got: Ocpp16.SendLocalListRequest[] = [];
    const charger = (c: ChargePoint16) => {
      readOnlyConfiguration(c, { SendLocalListMaxLength: '1' });
      recording(c, {}, got);
    };
    const cp = await booted(undefined, charger);
    const configured = async () => ((await ocpp().db.query(`SELECT configuration_read_at IS NOT NULL AS read FROM stations WHERE id = $1`, [cp.identity])) as { read: boolean }[])[0]?.read;
    await until(configured, (read) => read === true, 'the configuration read');
    await command(cp.identity, 'SendLocalList', fullList(1, x));
    await command(cp.identity, 'SendLocalList', { ...fullList(2, y), updateType: 'Differential' });
    await cp.stop();
    for (const t of [x, y]) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Blocked' });
    await booted(cp.identity, charger);
    await until(async () => got.length, (n) => n === 4, 'two updates of one entry');
    expect(got.slice(2).map((r) => [r.listVersion, r.localAuthorizationList?.map((e) => e.idTagInfo?.status)])).toEqual([
      [3, ['Blocked']],
      [4, ['Blocked']],
    ]);
  });
  it('an update that failed on the way (a CallError) is retried by the periodic sweep while the charger stays connected', async () => {
    const x = uniqueTag('X');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    let failing = true;
    const cp = await booted(undefined, (c) =>
      c.handle('SendLocalList', (req) => {
        got.push(req);
        if (req.updateType === 'Differential' && failing) throw new Error('busy (simulated)');
        return { status: 'Accepted' };
      }),
    );
    await command(cp.identity, 'SendLocalList', fullList(3, x));
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(async () => got.length, (n) => n === 2, 'the failed Differential');
    expect((await holding(x)).items[0]).toMatchObject({ certain: true, syncNeeded: true, listVersion: 3 });
    failing = false;
    await ocpp().app.app.get(LocalListSync).sweep();
    expect(got[2]).toEqual({ listVersion: 4, updateType: 'Differential', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Blocked' } }] });
    await until(() => holding(x), (b) => b.items[0]?.listVersion === 4 && !b.items[0]?.syncNeeded, 'the retried update recorded');
  });

  it.each(['VersionMismatch', 'Failed'] as const)('a Differential the charger answers %s leaves the list uncertain (a Full list is due) and is not sent again at every connection', async (answer) => {
    const x = uniqueTag('X');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    const charger = (c: ChargePoint16) => recording(c, { answer }, got);
    const cp = await booted(undefined, charger);
    await command(cp.identity, 'SendLocalList', fullList(3, x));
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(async () => got.length, (n) => n === 2, 'the Differential');
    const held = await until(() => holding(x), (b) => b.items[0]?.certain === false, 'the list uncertain after the refusal');
    expect(held.items[0]).toMatchObject({ listVersion: 3, syncNeeded: true, idTagInfo: { status: 'Accepted' } });
    // The charger comes back (boot and connection): the refused update is not sent again.
    await cp.stop();
    await booted(cp.identity, charger);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(got).toHaveLength(2);
  });

  it("a Differential refused because the operator's own update, in flight when the sync read the version, moved it first is sent again at the new version", async () => {
    const [x, z] = [uniqueTag('X'), uniqueTag('Z')];
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    let current = 0;
    let release: (() => void) | undefined;
    const cp = await booted(undefined, (c) =>
      c.handle('SendLocalList', async (req) => {
        got.push(req);
        if (req.listVersion === 10) await new Promise<void>((r) => (release = r));
        // Answered at once: the operator's update may still be being recorded (LocalListEffects keeps the order).
        if (req.updateType === 'Differential' && req.listVersion <= current) return { status: 'VersionMismatch' };
        current = req.listVersion;
        return { status: 'Accepted' };
      }),
    );
    await command(cp.identity, 'SendLocalList', fullList(3, x));
    const operators = command(cp.identity, 'SendLocalList', { listVersion: 10, updateType: 'Differential', localAuthorizationList: [{ idTag: z, idTagInfo: { status: 'Accepted' } }] });
    await until(async () => release, (r) => r !== undefined, "the operator's update at the charger");
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    // The sync reads the stored version (3) and queues its update behind the operator's.
    await new Promise((r) => setTimeout(r, 300));
    release!();
    expect((await operators).status).toBe(200);
    const after = await until(() => holding(x), (b) => b.items[0]?.listVersion === 11 && !b.items[0]?.syncNeeded, 'the update sent again at the new version');
    expect(after.items[0]).toMatchObject({ certain: true, idTagInfo: { status: 'Blocked' } });
    expect(got.slice(2).map((r) => r.listVersion)).toEqual([4, 11]);
  });
});
