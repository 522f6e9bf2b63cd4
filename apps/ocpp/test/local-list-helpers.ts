import { jest } from '@jest/globals';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { LocalListEffects } from '../src/authorization/local-list.effects.js';
import type { OcppHarness } from './harness.js';

/** A token name of its own per test run (suites share one database in a run). */
export const uniqueTag = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`.toUpperCase();

/** A Full SendLocalList of `idTags`, all Accepted. */
export const fullList = (listVersion: number, ...idTags: string[]) => ({
  listVersion,
  updateType: 'Full',
  localAuthorizationList: idTags.map((idTag) => ({ idTag, idTagInfo: { status: 'Accepted' } })),
});

/** Reads until `ok` (the sync runs after the API answered), or fails naming what it last saw. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A charger's SendLocalList handler that records every update and, while `hold` is set, keeps its
 * answers to Differential updates until `release()`: any version accepted, as many chargers do, so
 * only the central system can keep versions apart.
 */
export function heldLocalLists() {
  const got: Ocpp16.SendLocalListRequest[] = [];
  const held: (() => void)[] = [];
  const state = {
    got,
    hold: false,
    release: () => held.splice(0).forEach((answer) => answer()),
    heldCount: () => held.length,
    install: (c: ChargePoint16) =>
      c.handle('SendLocalList', (req) => {
        got.push(req);
        if (state.hold && req.updateType === 'Differential') return new Promise((resolve) => held.push(() => resolve({ status: 'Accepted' })));
        return { status: 'Accepted' };
      }),
  };
  return state;
}

/** What a simulated charger's local list holds: its version and each tag's status. */
export interface ChargerList {
  version: number;
  entries: Map<string, string | undefined>;
}

/** A SendLocalList the charger accepted, applied to the list it holds. */
export function applyToList(list: ChargerList, req: Ocpp16.SendLocalListRequest): void {
  if (req.updateType === 'Full') list.entries.clear();
  for (const e of req.localAuthorizationList ?? []) list.entries.set(e.idTag, e.idTagInfo?.status);
  list.version = req.listVersion;
}

/**
 * Holds the replica's next record of a local-list outcome (a busy database: no connection free):
 * `reached()` once it started, `release()` lets it write.
 */
export function holdNextListRecord(h: OcppHarness): { reached: () => boolean; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached = false;
  const effects = h.app.app.get(LocalListEffects) as unknown as { inOrder: (stationId: string, record: () => Promise<void>) => Promise<void> };
  const inOrder = effects.inOrder.bind(effects);
  jest.spyOn(effects, 'inOrder').mockImplementationOnce((stationId, record) =>
    inOrder(stationId, async () => {
      reached = true;
      await gate;
      await record();
    }),
  );
  return { reached: () => reached, release };
}
