import { OcppCallError } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { api, ocppSuite } from './harness.js';
import { uniqueTag, until } from './local-list-helpers.js';

/**
 * A charger that answers GetLocalListVersion with a CallError saying it cannot (NotImplemented,
 * NotSupported) will never settle an unanswered update by its version: the update is no longer
 * pending (the list stays uncertain until a Full list), so it is not asked again at every sweep.
 */
describe('local list repair with a charger that does not implement GetLocalListVersion', () => {
  const { ocpp, booted, command } = ocppSuite();
  const stationList = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;


  /** A station holding the Full list v3 [x] whose sync Differential v4 (x Blocked) went unanswered. */
  async function unanswered(): Promise<string> {
    const x = uniqueTag('X');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Accepted' });
    const cp = await booted(undefined, (c) => {
      c.handle('SendLocalList', (req) => {
        if (req.updateType === 'Full') return { status: 'Accepted' };
        c.dropConnection();
        return new Promise<Ocpp16.SendLocalListResponse>(() => undefined);
      });
      c.handle('GetLocalListVersion', () => ({ listVersion: 3 }));
    });
    await command(cp.identity, 'SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: x, idTagInfo: { status: 'Accepted' } }] });
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(() => stationList(cp.identity), (l) => l.repairPending === true, 'the unanswered Differential remembered');
    await cp.stop();
    return cp.identity;
  }

  it.each(['NotImplemented', 'NotSupported'] as const)('a GetLocalListVersion answered %s drops the pending update: uncertain, not asked again', async (code) => {
    const id = await unanswered();
    let asked = 0;
    const cp = await booted(id, (c) => c.handle('GetLocalListVersion', () => (asked++, Promise.reject(new OcppCallError(code, 'no local list')))));
    const list = await until(() => stationList(id), (l) => l.repairPending === false, 'the pending update dropped');
    expect(list).toMatchObject({ certain: false, listVersion: null });
    const before = asked;
    await ocpp().app.app.get(LocalListSync).sweep();
    expect(asked).toBe(before);
    expect(await stationList(id)).toMatchObject({ repairPending: false, certain: false });
    await cp.stop();
  });
});
