import { OcppCallError, type ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { LocalListRepository } from '../src/authorization/local-list.repository.js';
import { api, replicaPair, testChargers } from './harness.js';
import { fullList, uniqueTag, until } from './local-list-helpers.js';

/**
 * A charger answering GetLocalListVersion NotImplemented has its pending update dropped (no
 * version will ever settle it), but only under the claim rules an answer is recorded under
 * (LocalListAsks): an operator's ask while another replica's sync holds the list, its update
 * perhaps still on its way, leaves the update to the repair, which drops it under its own claim.
 */
describe("a GetLocalListVersion answered NotImplemented under the list's claim", () => {
  const { a, b } = replicaPair({ OCPP_CALL_TIMEOUT_MS: '800' });
  const { booted } = testChargers(a);
  const stationList = async (stationId: string) => (await api(a(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;
  const claimOf = async (station: string) =>
    ((await a().db.query(`SELECT sync_owner, sync_until > now() AS live FROM local_lists WHERE station_id = $1`, [station])) as { sync_owner: string | null; live: boolean | null }[])[0];

  /**
   * Takes Full lists; keeps its answers to Differentials until `answerHeld()` (too late for the
   * call: it answers one call at a time); cannot answer GetLocalListVersion.
   */
  function charger() {
    const state = { held: [] as (() => void)[], asked: 0 };
    const install = (cp: ChargePoint16) => {
      cp.handle('SendLocalList', (req) => {
        if (req.updateType === 'Full') return { status: 'Accepted' as const };
        return new Promise<Ocpp16.SendLocalListResponse>((resolve) => state.held.push(() => resolve({ status: 'Failed' })));
      });
      cp.handle('GetLocalListVersion', () => (state.asked++, Promise.reject(new OcppCallError('NotImplemented', 'no local list management'))));
    };
    const answerHeld = () => state.held.splice(0).forEach((answer) => answer());
    return { state, install, answerHeld };
  }

  it("an operator's ask while another replica's sync holds the list leaves the pending update; the repair then drops it", async () => {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(a(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const cs = charger();
    const cp = await booted(undefined, cs.install);
    const station = cp.identity;
    expect((await api(a(), 'POST', `/api/v1/stations/${station}/commands/SendLocalList`, fullList(3, x, y))).status).toBe(200);

    // B's sync sends v4 (X blocked) through A, which gives up on it: pending, B's claim kept (its update may still reach the charger).
    await api(b(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(() => stationList(station), (l) => l.repairPending === true, 'the unanswered Differential recorded');
    const held = await until(() => claimOf(station), (c) => c?.sync_owner != null && c.live === true, "B's claim kept");
    expect(cs.state.held).toHaveLength(1);
    cs.answerHeld();

    const answer = await api(a(), 'POST', `/api/v1/stations/${station}/commands/GetLocalListVersion`, {});
    expect(JSON.stringify(answer.body)).toContain('NotImplemented');
    expect(cs.state.asked).toBe(1);
    expect(await stationList(station)).toMatchObject({ listVersion: null, certain: false, repairPending: true });
    expect(await claimOf(station)).toEqual(held);

    // B's claim lapses (OCPP_CALL_TIMEOUT_MS + 30 s, shortened here); A's sweep repairs under the claim and drops the update.
    await a().db.query(`UPDATE local_lists SET sync_until = now() - interval '1 second' WHERE station_id = $1`, [station]);
    await a().app.app.get(LocalListSync).sweep();
    expect(cs.state.asked).toBe(2);
    expect(await stationList(station)).toMatchObject({ listVersion: null, certain: false, repairPending: false });
  });

  it('drops the pending update only while the claim is the one it was asked under and no outcome was recorded since', async () => {
    const cp = await booted(undefined, charger().install);
    const station = cp.identity;
    expect((await api(a(), 'POST', `/api/v1/stations/${station}/commands/SendLocalList`, fullList(3, uniqueTag('X')))).status).toBe(200);
    const lists = a().app.app.get(LocalListRepository);
    const pending = { listVersion: 4, updateType: 'Full', localAuthorizationList: [], before: { listVersion: 3, certain: true, entries: [] } };
    /** The list with an update pending and claimed by `owner` (live or lapsed); returns its last outcome as an ask reads it. */
    const listed = async (owner: string | null, live = true) => {
      await a().db.query(
        `UPDATE local_lists SET pending_update = $2::jsonb, sync_owner = $3::text,
           sync_until = CASE WHEN $3::text IS NULL THEN NULL WHEN $4 THEN now() + interval '1 minute' ELSE now() - interval '1 second' END WHERE station_id = $1`,
        [station, JSON.stringify(pending), owner, live],
      );
      const [row] = (await a().db.query(`SELECT updated_at::text AS seen FROM local_lists WHERE station_id = $1`, [station])) as { seen: string }[];
      return row!.seen;
    };
    const stillPending = async () => ((await a().db.query(`SELECT pending_update IS NOT NULL AS p FROM local_lists WHERE station_id = $1`, [station])) as { p: boolean }[])[0]!.p;
    const dropped = { recorded: true, dropped: { pendingVersion: 4, updateType: 'Full' } };

    // A sync holds the list: neither the repair's ask nor an unclaimed one drops it.
    let seen = await listed('sync-b');
    expect(await lists.versionUnavailable(station, 'repair:r1', seen)).toEqual({ recorded: false });
    expect(await lists.versionUnavailable(station, null, seen)).toEqual({ recorded: false });
    expect(await stillPending()).toBe(true);
    // The repair's claim, but another outcome recorded since the ask looked at it.
    await listed('repair:r1');
    expect(await lists.versionUnavailable(station, 'repair:r1', '2000-01-01 00:00:00+00')).toEqual({ recorded: false });
    expect(await stillPending()).toBe(true);
    // Under the claim it was asked under, nothing recorded since: dropped, once.
    seen = await listed('repair:r1');
    expect(await lists.versionUnavailable(station, 'repair:r1', seen)).toEqual(dropped);
    expect(await stillPending()).toBe(false);
    const [after] = (await a().db.query(`SELECT updated_at::text AS seen FROM local_lists WHERE station_id = $1`, [station])) as { seen: string }[];
    expect(await lists.versionUnavailable(station, 'repair:r1', after!.seen)).toEqual({ recorded: true, dropped: undefined });
    // No claim (a lapsed one counts as none).
    seen = await listed('sync-b', false);
    expect(await lists.versionUnavailable(station, null, seen)).toEqual(dropped);
  });
});
