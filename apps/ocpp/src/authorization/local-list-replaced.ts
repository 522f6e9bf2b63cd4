import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { EntityManager } from 'typeorm';
import { writtenKeys, type PendingUpdate } from './local-list-pending.js';
import { removeEntries } from './local-list.repository.js';

/**
 * Another unit booted under the station's identity (forgetReplacedUnit): it holds none of the old
 * unit's list, whatever version it reports, so the list's version and size are unknown and its
 * entries uncertain (no Differential is built on them: LocalListSync sends none to an uncertain
 * list). The entries are kept as what the station is to hold, and `full_list_due` has them sent to
 * the new unit whole: the repair asks its version (LocalListRepair, at the boot's acceptance, a
 * connection or the sweep), then the sync sends them as a Full update above it (LocalListSync). An
 * update the old unit left unanswered is taken as meant: its removals (a Differential) or its
 * replacement of the rest (a Full list) are done to the entries that are to be sent; its version no
 * longer says anything. Run in the boot's transaction; false when no list was ever recorded.
 */
export async function forgetListOfReplacedUnit(tx: EntityManager, stationId: string): Promise<boolean> {
  const [row] = (await tx.query(`SELECT pending_update FROM local_lists WHERE station_id = $1 FOR UPDATE`, [stationId])) as { pending_update: PendingUpdate | null }[];
  if (!row) return false;
  const pending = row.pending_update;
  if (pending?.updateType === 'Full') {
    await tx.query(`DELETE FROM local_list_entries WHERE station_id = $1 AND NOT (id_tag_key = ANY($2::text[]))`, [stationId, writtenKeys(pending.localAuthorizationList)]);
  } else if (pending) {
    const req: Ocpp16.SendLocalListRequest = { listVersion: pending.listVersion, updateType: pending.updateType, localAuthorizationList: pending.localAuthorizationList };
    await removeEntries(tx, stationId, req);
  }
  await tx.query(
    `UPDATE local_lists SET list_version = NULL, entries = NULL, entries_certain = false, pending_update = NULL, status = 'UnitReplaced', full_list_due = true, updated_at = now()
      WHERE station_id = $1`,
    [stationId],
  );
  return true;
}
