import { api, ocppSuite } from './harness.js';

/**
 * Which chargers hold which tags in their local authorisation lists (OCPP 1.6 §5.15): a card the
 * operator blocks stays Accepted in every list holding it, so where it is held must be known.
 */
describe('local list entries per station', () => {
  const { ocpp, booted, command } = ocppSuite();
  const accepted = { status: 'Accepted' };
  const entry = (idTag: string, idTagInfo: Record<string, unknown> = accepted) => ({ idTag, idTagInfo });
  /** A Differential entry without idTagInfo: it removes the tag. */
  const removal = (idTag: string) => ({ idTag });
  const stationList = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;
  const holding = async (idTag: string) => (await api(ocpp(), 'GET', `/api/v1/id-tags/${idTag}/local-lists`)).body;
  const tag = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`.toUpperCase();

  it('an accepted Full update replaces the entries; a Differential adds, replaces and (without idTagInfo) removes; a refused one changes no entry', async () => {
    const [a, b, c] = [tag('A'), tag('B'), tag('C')];
    const cp = await booted(undefined, (c) => c.handle('SendLocalList', (req) => ({ status: req.listVersion > 10 ? 'VersionMismatch' : 'Accepted' })));
    await command(cp.identity, 'SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [entry('OLD-' + a)] });
    await command(cp.identity, 'SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [entry(a), entry(b, { status: 'Accepted', parentIdTag: 'FLEET' })] });
    expect(await stationList(cp.identity)).toMatchObject({
      listVersion: 2,
      certain: true,
      entries: 2,
      total: 2,
      items: [
        { idTag: a, idTagInfo: accepted },
        { idTag: b, idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET' } },
      ],
    });
    // Looked up in another case: IdToken is a CiString.
    expect(await holding(a.toLowerCase())).toMatchObject({ items: [{ stationId: cp.identity, idTag: a, idTagInfo: accepted, certain: true, listVersion: 2 }], total: 1 });
    expect((await holding('OLD-' + a)).items).toEqual([]);

    await command(cp.identity, 'SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: [entry(a.toLowerCase(), { status: 'Blocked' }), removal(b), entry(c)] });
    const list = await stationList(cp.identity);
    expect(list).toMatchObject({ listVersion: 3, updateType: 'Differential', certain: true, entries: 2, total: 2 });
    expect(list.items).toEqual([
      { idTag: a.toLowerCase(), idTagInfo: { status: 'Blocked' }, syncNeeded: false },
      { idTag: c, idTagInfo: accepted, syncNeeded: false },
    ]);
    expect((await holding(b)).items).toEqual([]);

    const refused = await command(cp.identity, 'SendLocalList', { listVersion: 11, updateType: 'Differential', localAuthorizationList: [entry(a)] });
    expect(refused.body).toEqual({ status: 'ok', payload: { status: 'VersionMismatch' } });
    // The entries stay, but no longer certain: the charger answers VersionMismatch for a version at or
    // below its own (OCPP 1.6), so it holds a later list than the one we recorded (3).
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: 3, status: 'VersionMismatch', certain: false, total: 2 });
    expect((await holding(a)).items).toEqual([expect.objectContaining({ idTagInfo: { status: 'Blocked' } })]);
  });

  it('an update left unanswered leaves what the charger may hold (old entries and the update\'s) uncertain; a reported empty list holds none', async () => {
    const [a, b] = [tag('A'), tag('B')];
    let answer = true;
    let version = 0;
    const cp = await booted(undefined, (c) => {
      // Unanswered in time: the answer comes after our 300 ms timeout (the charger handles one CALL at a time).
      c.handle('SendLocalList', () => (answer ? { status: 'Accepted' } : new Promise((resolve) => setTimeout(() => resolve({ status: 'Accepted' as const }), 600))));
      c.handle('GetLocalListVersion', () => ({ listVersion: version }));
    });
    await command(cp.identity, 'SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [entry(a)] });
    answer = false;
    const sent = await api(ocpp(), 'POST', `/api/v1/stations/${cp.identity}/commands/SendLocalList?timeoutMs=300`, { listVersion: 5, updateType: 'Full', localAuthorizationList: [entry(b)] });
    expect(sent.status).toBe(504);
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: null, status: 'TimedOut', certain: false, total: 2 });
    expect((await holding(a)).items).toEqual([expect.objectContaining({ stationId: cp.identity, certain: false })]);
    expect((await holding(b)).items).toEqual([expect.objectContaining({ stationId: cp.identity, certain: false })]);
    // A tag it holds no recorded entry of may still be in its list: the count says so.
    expect((await holding(tag('NEVER-SENT'))).unknownLists).toBeGreaterThanOrEqual(1);
    // A Differential on a list we do not know does not make it known.
    answer = true;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await command(cp.identity, 'SendLocalList', { listVersion: 6, updateType: 'Differential', localAuthorizationList: [entry(a)] });
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: 6, certain: false, entries: null });
    // A charger reporting another version than the list we know: its entries are no longer certain.
    version = 9;
    await command(cp.identity, 'GetLocalListVersion', {});
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: 9, certain: false });
    version = 0;
    await command(cp.identity, 'GetLocalListVersion', {});
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: 0, entries: 0, certain: true, items: [], total: 0 });
  });

  it('a list reported with the version we sent stays certain; a token deleted through the API is still found where it is held until the charger takes the update', async () => {
    const a = tag('A');
    const cp = await booted(undefined, (c) => {
      c.handle('SendLocalList', () => ({ status: 'Accepted' }));
      c.handle('GetLocalListVersion', () => ({ listVersion: 7 }));
    });
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${a}`, { status: 'Accepted' });
    await command(cp.identity, 'SendLocalList', { listVersion: 7, updateType: 'Full', localAuthorizationList: [entry(a)] });
    await command(cp.identity, 'GetLocalListVersion', {});
    expect(await stationList(cp.identity)).toMatchObject({ listVersion: 7, status: 'Reported', certain: true, entries: 1, total: 1 });
    // Offline: the removal waits for it to connect (local-list-sync.int-spec.ts).
    await cp.stop();
    expect((await api(ocpp(), 'DELETE', `/api/v1/id-tags/${a}`)).status).toBe(204);
    expect((await holding(a)).items).toEqual([{ stationId: cp.identity, idTag: a, idTagInfo: accepted, certain: true, listVersion: 7, syncNeeded: true, repairPending: false }]);
  });

  it('a station that got no list has unknown, empty entries; an unknown station is a 404', async () => {
    const cp = await booted();
    expect(await stationList(cp.identity)).toEqual({ listVersion: null, updateType: null, status: null, entries: null, certain: false, repairPending: false, updatedAt: null, items: [], total: 0, offset: 0, limit: 100 });
    expect((await api(ocpp(), 'GET', '/api/v1/stations/NO-SUCH-STATION/local-list')).status).toBe(404);
    expect((await api(ocpp(), 'GET', `/api/v1/id-tags/${'x'.repeat(21)}/local-lists`)).status).toBe(400);
  });

  it('a deleted station takes its entries with it', async () => {
    const a = tag('A');
    const cp = await booted(undefined, (c) => c.handle('SendLocalList', () => ({ status: 'Accepted' })));
    await command(cp.identity, 'SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: [entry(a)] });
    await cp.stop();
    expect((await api(ocpp(), 'DELETE', `/api/v1/stations/${cp.identity}`)).status).toBe(204);
    expect((await holding(a)).items).toEqual([]);
  });
});
