import { jest } from '@jest/globals';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListSync } from '../src/authorization/local-list-sync.js';
import { LocalListSyncRepository } from '../src/authorization/local-list-sync.repository.js';
import { api, replicaPair, testChargers } from './harness.js';
import { applyToList, fullList, holdNextListRecord, uniqueTag, until } from './local-list-helpers.js';

/**
 * An operator's own GetLocalListVersion (REST or bus command) reaches the same effect as a repair's
 * ask: its answer settles an update left unanswered. It is recorded only under the list's claim, as
 * the repair's is: otherwise it could be recorded after another replica's repair and sync had moved
 * the list on, or settle an update while another holder, whose update may still reach the charger,
 * holds the list.
 */
describe("an operator's GetLocalListVersion under the list's claim", () => {
  const { a, b } = replicaPair({ OCPP_CALL_TIMEOUT_MS: '800' });
  const { booted } = testChargers(a);
  const onB = testChargers(b);
  const stationList = async (stationId: string) => (await api(a(), 'GET', `/api/v1/stations/${stationId}/local-list`)).body;
  const entriesOf = (list: { items: { idTag: string; idTagInfo: { status: string } }[] }) => Object.fromEntries(list.items.map((i) => [i.idTag, i.idTagInfo.status]));
  const claimOf = async (station: string) =>
    ((await a().db.query(`SELECT sync_owner, sync_until > now() AS live FROM local_lists WHERE station_id = $1`, [station])) as { sync_owner: string | null; live: boolean | null }[])[0];

  /**
   * A charger holding its list (version, tag → status). While `hold` is set it keeps its answers to
   * Differentials; `lose()` then answers them Failed without applying them (too late for the call).
   */
  function charger() {
    const state = { version: 0, entries: new Map<string, string | undefined>(), hold: false, held: [] as ((apply: boolean) => void)[] };
    const apply = (req: Ocpp16.SendLocalListRequest) => applyToList(state, req);
    const install = (cp: ChargePoint16) => {
      cp.handle('SendLocalList', (req) => {
        if (!state.hold || req.updateType !== 'Differential') return apply(req), { status: 'Accepted' as const };
        return new Promise<Ocpp16.SendLocalListResponse>((resolve) =>
          state.held.push((applied) => (applied ? (apply(req), resolve({ status: 'Accepted' })) : resolve({ status: 'Failed' }))),
        );
      });
      cp.handle('GetLocalListVersion', () => ({ listVersion: state.version }));
    };
    const answerHeld = (applied: boolean) => {
      state.hold = false;
      state.held.splice(0).forEach((answer) => answer(applied));
    };
    return { state, install, answerHeld };
  }

  /** Counts the answers of `repo` saying the list is claimed by another (any of its methods). */
  function countBusy(repo: LocalListSyncRepository) {
    const seen = { busy: 0 };
    const own = repo as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(LocalListSyncRepository.prototype)) {
      const method = own[name];
      if (name === 'constructor' || typeof method !== 'function') continue;
      jest.spyOn(repo as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>, name).mockImplementation(async (...args: unknown[]) => {
        const result: unknown = await (method as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
        if (typeof result === 'object' && result !== null && 'busy' in result) seen.busy++;
        return result;
      });
    }
    return seen;
  }

  /**
   * A Full list v3 [X, Y] on a charger connected to A, then a sync's Differential v4 (X blocked)
   * from `syncFrom`, unanswered in time: pending. The charger still holds its answer.
   */
  async function pendingUpdate(syncFrom: () => ReturnType<typeof a>) {
    const [x, y] = [uniqueTag('X'), uniqueTag('Y')];
    for (const t of [x, y]) await api(a(), 'PUT', `/api/v1/id-tags/${t}`, { status: 'Accepted' });
    const cs = charger();
    const cp = await booted(undefined, cs.install);
    const station = cp.identity;
    expect((await api(a(), 'POST', `/api/v1/stations/${station}/commands/SendLocalList`, fullList(3, x, y))).status).toBe(200);
    cs.state.hold = true;
    await api(syncFrom(), 'PUT', `/api/v1/id-tags/${x}`, { status: 'Blocked' });
    await until(() => stationList(station), (l) => l.repairPending === true, 'the unanswered Differential recorded');
    expect(cs.state.held).toHaveLength(1);
    return { x, y, cs, cp, station };
  }

  /**
   * The charger refused the update too late for the call: it holds v3. The operator asks it its
   * version on A (3), and A's record of the answer is slow (a busy database). Meanwhile the charger
   * reconnects to B, whose repair asked (3: the update reverted) and whose sync sent X blocked again
   * (v4, applied). A's late record then stored version 3 over it, the list uncertain with nothing
   * left to repair it: a Full list needed, while the charger holds the stored entries at v4.
   */
  it("an operator's answer recorded late does not undo another replica's repair and sync", async () => {
    const { x, y, cs, cp, station } = await pendingUpdate(a);
    cs.answerHeld(false);

    const held = holdNextListRecord(a());
    const asked = api(a(), 'POST', `/api/v1/stations/${station}/commands/GetLocalListVersion`, {});
    try {
      await until(async () => held.reached(), (r) => r, "A's record of the operator's answer started");
      await cp.stop();

      const busyOnB = countBusy(b().app.app.get(LocalListSyncRepository));
      await onB.booted(station, cs.install);
      await until(async () => ({ busy: busyOnB.busy, version: cs.state.version }), (s) => s.busy > 0 || s.version === 4, 'B repairing and syncing, or waiting for the list');
    } finally {
      held.release();
    }
    const answer = await asked;
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.stringify(answer.body)).toContain('"listVersion":3');
    await a().app.app.get(LocalListSync).station(station);
    await b().app.app.get(LocalListSync).station(station);

    expect(cs.state.version).toBe(4);
    expect(Object.fromEntries(cs.state.entries)).toEqual({ [x]: 'Blocked', [y]: 'Accepted' });
    const list = await stationList(station);
    expect(list).toMatchObject({ listVersion: 4, certain: true, repairPending: false });
    expect(entriesOf(list)).toEqual(Object.fromEntries(cs.state.entries));
  });

  /**
   * B's sync sent v4 through A, which gave up on it: B keeps its claim (the update may still reach
   * the charger). The operator's GetLocalListVersion gets its answer (4) at once, unchanged, but
   * does not settle the update under B's claim: the repair does, once the claim is free.
   */
  it("an operator's answer while another holder claims the list leaves the pending update to the repair", async () => {
    const { x, y, cs, station } = await pendingUpdate(b);
    const held = await until(() => claimOf(station), (c) => c?.sync_owner != null && c.live === true, "B's claim kept");
    cs.answerHeld(true);

    const answer = await api(a(), 'POST', `/api/v1/stations/${station}/commands/GetLocalListVersion`, {});
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.stringify(answer.body)).toContain('"listVersion":4');
    expect(await stationList(station)).toMatchObject({ listVersion: null, certain: false, repairPending: true });
    expect(await claimOf(station)).toEqual(held);

    // B's claim lapses (OCPP_CALL_TIMEOUT_MS + 30 s, shortened here); A's sweep repairs under the claim.
    await a().db.query(`UPDATE local_lists SET sync_until = now() - interval '1 second' WHERE station_id = $1`, [station]);
    await a().app.app.get(LocalListSync).sweep();
    const list = await stationList(station);
    expect(list).toMatchObject({ listVersion: 4, certain: true, repairPending: false });
    expect(entriesOf(list)).toEqual({ [x]: 'Blocked', [y]: 'Accepted' });
  });

  it("an operator's answer on a list nobody claims settles the pending update at once and leaves no claim", async () => {
    const { x, y, cs, station } = await pendingUpdate(a);
    cs.answerHeld(false);

    const answer = await api(a(), 'POST', `/api/v1/stations/${station}/commands/GetLocalListVersion`, {});
    expect(answer).toMatchObject({ status: 200 });
    const list = await stationList(station);
    expect(list).toMatchObject({ listVersion: 3, certain: true, repairPending: false });
    expect(entriesOf(list)).toEqual({ [x]: 'Accepted', [y]: 'Accepted' });
    expect(await claimOf(station)).toEqual({ sync_owner: null, live: null });
  });
});
