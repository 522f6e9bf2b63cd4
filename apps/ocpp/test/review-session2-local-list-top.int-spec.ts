import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { api, ocppSuite } from './harness.js';
import { fullList, uniqueTag } from './local-list-helpers.js';

const TOP = 2_147_483_647;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 4ead42f sends a list at the top of the listVersion range again as a Full update at version 1.
 * Chargers that check the version of every update (not only of a Differential, as OCPP 1.6 says)
 * answer that one VersionMismatch. LocalListRepository.refused keeps the entries certain (1 is not
 * above the stored 2147483647) and LocalListSync.rounds reads VersionMismatch as "read the version
 * again": the next round builds the same Full list at version 1, up to MAX_ROUNDS (20) whole lists
 * per sync, and again at every token change and connection, and the blocked card never gets there.
 */
describe('review session 2: a local list at the top of the range, on a charger that checks every version', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('a Full list at version 1 answered VersionMismatch is not sent again and again in one sync', async () => {
    const tags = [uniqueTag('Q'), uniqueTag('K')];
    for (const t of tags) await api(ocpp(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const got: Ocpp16.SendLocalListRequest[] = [];
    let version = -1;
    const cp = await booted(undefined, (c) =>
      c.handle('SendLocalList', (req) => {
        got.push(req);
        if (req.listVersion <= version) return { status: 'VersionMismatch' };
        version = req.listVersion;
        return { status: 'Accepted' };
      }),
    );
    expect((await command(cp.identity, 'SendLocalList', fullList(TOP, ...tags))).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect((await api(ocpp(), 'PUT', `/api/v1/id-tags/${tags[0]}`, { status: 'Blocked' })).status).toBe(200);
    await sleep(3_000);
    const fullAtOne = got.filter((r) => r.updateType === 'Full' && r.listVersion === 1).length;
    expect({ fullAtOne }).toEqual({ fullAtOne: 1 });
  });
});
