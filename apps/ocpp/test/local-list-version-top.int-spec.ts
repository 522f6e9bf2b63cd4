import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { api, ocppSuite } from './harness.js';
import { applyToList, fullList, uniqueTag, until, type ChargerList } from './local-list-helpers.js';

const TOP = 2_147_483_647;

/**
 * A local list at the top of the 32-bit listVersion range (an operator's SendLocalList may name it)
 * has no version + 1 for a Differential: a blocked card must still reach the charger, or it keeps
 * accepting the card offline.
 */
describe('a local list at listVersion 2147483647', () => {
  const { ocpp, booted, command } = ocppSuite();
  const holding = async (idTag: string) => (await api(ocpp(), 'GET', `/api/v1/id-tags/${idTag}/local-lists`)).body;

  const recorded = async () => {
    const got: Ocpp16.SendLocalListRequest[] = [];
    const charger: ChargerList = { version: -1, entries: new Map() };
    const cp = await booted(undefined, (c) =>
      c.handle('SendLocalList', (req) => {
        got.push(req);
        applyToList(charger, req);
        return { status: 'Accepted' };
      }),
    );
    return { cp, got, charger };
  };
  const tokens = async (...names: string[]) => {
    const tags = names.map(uniqueTag);
    for (const t of tags) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    return tags;
  };

  it('a token blocked through the API reaches the charger as a Full list at version 1, the other entries kept; then Differentials from 2', async () => {
    const [blocked, kept] = await tokens('Q', 'K');
    const { cp, got, charger } = await recorded();
    expect((await command(cp.identity, 'SendLocalList', fullList(TOP, blocked, kept))).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${blocked}`, { status: 'Blocked' })).status).toBe(200);

    const after = await until(() => holding(blocked), (b) => b.items[0]?.syncNeeded === false, 'the blocked card on the list');
    expect(after.items[0]).toMatchObject({ stationId: cp.identity, idTagInfo: { status: 'Blocked' }, listVersion: 1, certain: true });
    expect(got.slice(1)).toEqual([{ listVersion: 1, updateType: 'Full', localAuthorizationList: expect.arrayContaining([{ idTag: kept, idTagInfo: { status: 'Accepted' } }, { idTag: blocked, idTagInfo: { status: 'Blocked' } }]) }]);
    expect(charger.entries).toEqual(new Map([[kept, 'Accepted'], [blocked, 'Blocked']]));
    expect((await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/local-list`)).body).toMatchObject({ listVersion: 1, updateType: 'Full', entries: 2, certain: true });

    // Back in range, the next change is a Differential at version 2.
    expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${kept}`, { status: 'Blocked' })).status).toBe(200);
    await until(() => holding(kept), (b) => b.items[0]?.syncNeeded === false, 'the second change applied');
    expect(got.slice(2)).toEqual([{ listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: kept, idTagInfo: { status: 'Blocked' } }] }]);
  });

  it('a token deleted through the API is left out of that Full list', async () => {
    const [gone, kept] = await tokens('G', 'K');
    const { cp, got, charger } = await recorded();
    await command(cp.identity, 'SendLocalList', fullList(TOP, gone, kept));
    expect((await api(ocpp(), 'DELETE', `/api/v1/id-tags/${gone}`)).status).toBe(204);
    await until(() => holding(gone), (b) => b.items.length === 0, 'the removal applied');
    expect(got.slice(1)).toEqual([{ listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: kept, idTagInfo: { status: 'Accepted' } }] }]);
    expect(charger.entries).toEqual(new Map([[kept, 'Accepted']]));
  });
});
