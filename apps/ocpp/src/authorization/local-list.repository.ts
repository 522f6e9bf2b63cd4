import { Injectable } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { settle, worthRepairing, writtenKeys, type PendingUpdate, type PriorEntry, type Settlement } from './local-list-pending.js';

/** Whether a reported version was recorded under a claim (LocalListRepository.reported) and how it settled the pending update, if one was. */
export type Recorded = { recorded: false } | { recorded: true; settled: Settlement | undefined };
/** Whether a charger's "cannot answer" was recorded under a claim (LocalListRepository.versionUnavailable) and the pending update it dropped, if one was. */
export type Dropped = { recorded: false } | { recorded: true; dropped: DroppedUpdate | undefined };
export interface DroppedUpdate {
  /** The unanswered update dropped (null: none was pending). */
  pendingVersion: number | null;
  updateType: string | null;
  /** A Full list was due to a replaced unit (forgetListOfReplacedUnit): dropped too. */
  fullListDue?: true;
}

/** The list's claim and last outcome, read under the row's lock (undefined: no row). */
type ClaimRow = { sync_owner: string | null; live: boolean | null; seen: string | null } | undefined;

/**
 * Whether an ask's outcome may be recorded on the list now (LocalListRepository.reported): no
 * `holder`, always; else while the claim is that holder's (`null`: no live claim) and, with `seen`,
 * no outcome was recorded since it was looked at.
 */
function heldBy(row: ClaimRow, holder: string | null | undefined, seen: string | null | undefined): boolean {
  if (holder === undefined) return true;
  if (seen !== undefined && (row?.seen ?? null) !== seen) return false;
  return holder === null ? !(row?.sync_owner && row.live) : row?.sync_owner === holder;
}

/**
 * The local authorisation list each charger holds (SQL only): its version and size, `NULL` when
 * unknown, the type and status of the last update or report, and its entries (`local_list_entries`,
 * one per tag, keyed lower-cased: IdToken is a CiString) with whether they are certain
 * (`entries_certain`). Each change of a station's list is one transaction, the `local_lists` row
 * written first: its row lock orders the changes of one station's list across replicas. An update
 * left unanswered is kept (`pending_update`) until the charger's reported version settles it.
 */
@Injectable()
export class LocalListRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The charger applied an update: it now holds `listVersion`. `entries` (the size) undefined keeps
   * a known size. A Full update replaces the entries, which are then certain; a Differential one
   * adds or replaces the entries with `idTagInfo` and removes those without, certain only if the
   * entries it changed were (an update on a list we do not know leaves the rest of it unknown).
   * Either way an entry written again keeps its sync mark (cleared only by LocalListSync).
   * It supersedes an update left unanswered before it: the charger's version no longer tells about that one.
   * A Full one is also the Full list a replaced unit was due (forgetListOfReplacedUnit), whoever sent it.
   */
  async applied(stationId: string, req: Ocpp16.SendLocalListRequest, entries: number | null | undefined): Promise<void> {
    const full = req.updateType === 'Full';
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO local_lists (station_id, list_version, update_type, status, entries, entries_certain) VALUES ($1, $2, $3, 'Accepted', $4, $6)
         ON CONFLICT (station_id) DO UPDATE SET list_version = EXCLUDED.list_version, update_type = EXCLUDED.update_type, status = 'Accepted',
           entries = CASE WHEN $5 THEN local_lists.entries ELSE EXCLUDED.entries END,
           entries_certain = EXCLUDED.entries_certain OR local_lists.entries_certain, pending_update = NULL,
           full_list_due = local_lists.full_list_due AND NOT EXCLUDED.entries_certain, updated_at = now()`,
        [stationId, req.listVersion, req.updateType, entries ?? null, entries === undefined, full],
      );
      // A Full list replaces the entries, but those it keeps keep their sync marks: the operator may
      // have built it before a token changed, and the sync compares them with the tokens anyway.
      if (full) await tx.query(`DELETE FROM local_list_entries WHERE station_id = $1 AND NOT (id_tag_key = ANY($2::text[]))`, [stationId, writtenKeys(req.localAuthorizationList ?? [])]);
      else await removeEntries(tx, stationId, req);
      await putEntries(tx, stationId, req);
      // With every entry known, a Differential's size is known too.
      await tx.query(
        `UPDATE local_lists SET entries = (SELECT count(*) FROM local_list_entries WHERE station_id = $1) WHERE station_id = $1 AND entries_certain`,
        [stationId],
      );
    });
  }

  /**
   * The charger refused an update: the status changes; a station never seen before gets an unknown
   * version. After `Failed` or `NotSupported`, or a `VersionMismatch` our stored version does not
   * explain (the update's version was above it: the charger holds a later list than we know), the
   * entries are no longer certain: the charger's list is not what we recorded, and a Differential
   * built on them (LocalListSync) would be refused again at every connection. OCPP 1.6 has the
   * central system send a Full list then. A VersionMismatch for a version at or below the stored one
   * (two updates computed from one version, one applied first) says nothing new about the list.
   * A refused Full list is no longer due to a replaced unit: sent again, it would be refused again
   * at every connection; the operator sends one the charger takes.
   */
  async refused(stationId: string, req: Pick<Ocpp16.SendLocalListRequest, 'updateType' | 'listVersion'>, status: string): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, NULL, $2, $3, NULL)
       ON CONFLICT (station_id) DO UPDATE SET update_type = EXCLUDED.update_type, status = EXCLUDED.status,
         entries_certain = local_lists.entries_certain AND NOT ($3 IN ('Failed', 'NotSupported')
           OR ($3 = 'VersionMismatch' AND (local_lists.list_version IS NULL OR $4 > local_lists.list_version))),
         full_list_due = local_lists.full_list_due AND EXCLUDED.update_type <> 'Full', updated_at = now()`,
      [stationId, req.updateType, status, req.listVersion],
    );
  }

  /**
   * An update went out but its answer never came (timeout, socket closed): the charger may hold
   * the old list or the new one, so version and size are unknown until it reports or accepts one,
   * and the entries uncertain. They are kept as what it may hold: the old ones (a Differential's
   * removals or a Full update's replacement may not have happened) and the update's own, so that a
   * token is still found at every charger that may hold it. The update is remembered with the prior
   * entries of the tags it wrote (`pending_update`, see worthRepairing) for the charger's version to
   * settle it (reported); one remembered before is dropped: two unanswered updates leave more than
   * two possible lists. Returns whether it is remembered.
   */
  async unconfirmed(stationId: string, req: Ocpp16.SendLocalListRequest): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(`SELECT list_version, entries_certain FROM local_lists WHERE station_id = $1 FOR UPDATE`, [stationId])) as { list_version: number | null; entries_certain: boolean }[];
      const before = { listVersion: row?.list_version ?? null, certain: row?.entries_certain ?? false };
      let pending: PendingUpdate | null = null;
      if (worthRepairing(req.updateType, before)) {
        const list = req.localAuthorizationList ?? [];
        const prior: PriorEntry[] = await tx.query(
          `SELECT k.key, e.id_tag AS "idTag", e.id_tag_info AS "idTagInfo" FROM unnest($2::text[]) AS k(key)
             LEFT JOIN local_list_entries e ON e.station_id = $1 AND e.id_tag_key = k.key ORDER BY k.key`,
          [stationId, writtenKeys(list)],
        );
        pending = { listVersion: req.listVersion, updateType: req.updateType, localAuthorizationList: list, before: { ...before, entries: prior } };
      }
      await tx.query(
        `INSERT INTO local_lists (station_id, list_version, update_type, status, entries, pending_update) VALUES ($1, NULL, $2, 'TimedOut', NULL, $3::jsonb)
         ON CONFLICT (station_id) DO UPDATE SET list_version = NULL, update_type = EXCLUDED.update_type, status = 'TimedOut', entries = NULL,
           entries_certain = false, pending_update = EXCLUDED.pending_update, updated_at = now()`,
        [stationId, req.updateType, pending === null ? null : JSON.stringify(pending)],
      );
      await putEntries(tx, stationId, req);
      return pending !== null;
    });
  }

  /**
   * GetLocalListVersion: the charger's word on its version (`-1` = not supported, `0` = empty). The
   * known size and entries stay certain only while the version is the one they belong to; an empty
   * or unsupported list holds no entries. An update left unanswered (`pending_update`) is settled
   * first, under the row's lock (so a second answer, from another replica's ask, finds nothing to
   * settle): its version applies it to the entries as if accepted, the version before it restores
   * the prior entries, each with the certainty it then has; any other version leaves the entries
   * uncertain. Either way it is no longer pending. Returns how it was settled, if one was pending.
   * With a `holder`, recorded only while the list's claim is that holder's (`null`: while no live
   * claim holds it), checked under the row's lock: the answer was given under that claim, and a
   * holder since then (a repair, a sync) may have moved the list on, which the late answer would
   * undo (LocalListAsks). With `seen` too (the list's `updated_at` as text when the claim was looked
   * at, null: no row), only if no outcome was recorded since (an unclaimed operator's SendLocalList).
   * It then says whether it was recorded too.
   * A list due a Full update (a replaced unit, forgetListOfReplacedUnit) only takes the version: its
   * entries, what the unit is to hold, stay uncertain and are sent above it (LocalListSync), unless
   * the report settles that Full update as applied, or is `-1` (the unit holds no list).
   */
  async reported(stationId: string, version: number): Promise<Settlement | undefined>;
  async reported(stationId: string, version: number, holder: string | null, seen?: string | null): Promise<Recorded>;
  async reported(stationId: string, version: number, holder?: string | null, seen?: string | null): Promise<Settlement | undefined | Recorded> {
    const result = await this.record(stationId, version, holder, seen);
    if (holder !== undefined) return result;
    return result.recorded ? result.settled : undefined;
  }

  private async record(stationId: string, version: number, holder: string | null | undefined, seen: string | null | undefined): Promise<Recorded> {
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT pending_update, full_list_due, sync_owner, sync_until > now() AS live, updated_at::text AS seen FROM local_lists WHERE station_id = $1 FOR UPDATE`,
        [stationId],
      )) as {
        pending_update: PendingUpdate | null;
        full_list_due: boolean;
        sync_owner: string | null;
        live: boolean | null;
        seen: string | null;
      }[];
      if (!heldBy(row, holder, seen)) return { recorded: false };
      const settlement = row?.pending_update ? settle(row.pending_update, version) : undefined;
      if (row?.pending_update && settlement && settlement.outcome !== 'unknown') await settleEntries(tx, stationId, row.pending_update, settlement);
      const due = row?.full_list_due === true && version >= 0 && !(settlement?.outcome === 'applied' && settlement.updateType === 'Full');
      const [after] = (await tx.query(
        `INSERT INTO local_lists (station_id, list_version, update_type, status, entries, entries_certain)
         VALUES ($1, $2, 'Reported', CASE WHEN $2 < 0 THEN 'NotSupported' ELSE 'Reported' END, CASE WHEN $2 = 0 THEN 0 END, $2 <= 0)
         ON CONFLICT (station_id) DO UPDATE SET list_version = EXCLUDED.list_version, update_type = EXCLUDED.update_type, status = EXCLUDED.status,
           entries = CASE WHEN $3 THEN NULL WHEN EXCLUDED.list_version = 0 THEN 0 WHEN EXCLUDED.list_version > 0 AND local_lists.list_version = EXCLUDED.list_version THEN local_lists.entries END,
           entries_certain = NOT $3 AND (EXCLUDED.list_version <= 0 OR (local_lists.list_version = EXCLUDED.list_version AND local_lists.entries_certain)),
           pending_update = NULL, full_list_due = $3, updated_at = now()
         RETURNING entries_certain`,
        [stationId, version, due],
      )) as { entries_certain: boolean }[];
      if (version <= 0 && !due) await tx.query(`DELETE FROM local_list_entries WHERE station_id = $1`, [stationId]);
      return { recorded: true, settled: settlement && { ...settlement, certain: after?.entries_certain ?? false } };
    });
  }

  /**
   * The charger answered GetLocalListVersion with a CallError saying it cannot (NotImplemented,
   * NotSupported): no version will ever settle the update left unanswered, so it is no longer
   * pending (else asked again at every sweep, forever) and the list stays uncertain until a Full
   * list is accepted. It changes the list as a reported version does, so it is written under the
   * same rule (`holder` and `seen` as in reported, checked under the row's lock): under another
   * holder's claim, or after another outcome, the pending update may be one the answer said nothing
   * about. Says whether it was recorded, and the update dropped, if one was pending. A Full list due
   * to a replaced unit goes too: it waits for the version, which will never come.
   */
  async versionUnavailable(stationId: string, holder: string | null, seen: string | null): Promise<Dropped> {
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT (pending_update->>'listVersion')::int AS pending_version, pending_update->>'updateType' AS update_type, full_list_due,
                sync_owner, sync_until > now() AS live, updated_at::text AS seen
           FROM local_lists WHERE station_id = $1 FOR UPDATE`,
        [stationId],
      )) as ({ pending_version: number | null; update_type: string | null; full_list_due: boolean } & NonNullable<ClaimRow>)[];
      if (!heldBy(row, holder, seen)) return { recorded: false };
      if (row?.pending_version == null && !row?.full_list_due) return { recorded: true, dropped: undefined };
      await tx.query(`UPDATE local_lists SET pending_update = NULL, full_list_due = false, updated_at = now() WHERE station_id = $1`, [stationId]);
      return { recorded: true, dropped: { pendingVersion: row.pending_version, updateType: row.update_type, ...(row.full_list_due ? { fullListDue: true as const } : {}) } };
    });
  }
}

/**
 * Puts the list where the pending update's outcome leaves it, for the report to be recorded on:
 * applied, its removals (a Differential) or its replacement (a Full update: the tags it does not
 * hold go) are done and its entries written again; reverted, the prior entries of the tags it wrote
 * come back (a tag the list did not hold goes). Entries that stay keep their sync marks: the
 * sync compares them with the tokens afterwards. Version, size and certainty are those of that list.
 */
async function settleEntries(tx: EntityManager, stationId: string, pending: PendingUpdate, settlement: Settlement): Promise<void> {
  const req: Ocpp16.SendLocalListRequest = { listVersion: pending.listVersion, updateType: pending.updateType, localAuthorizationList: pending.localAuthorizationList };
  if (settlement.outcome === 'applied') {
    if (pending.updateType === 'Full') {
      await tx.query(`DELETE FROM local_list_entries WHERE station_id = $1 AND NOT (id_tag_key = ANY($2::text[]))`, [stationId, writtenKeys(pending.localAuthorizationList)]);
    } else await removeEntries(tx, stationId, req);
    await putEntries(tx, stationId, req);
  } else {
    const prior = pending.before.entries;
    await tx.query(`DELETE FROM local_list_entries WHERE station_id = $1 AND id_tag_key = ANY($2::text[])`, [stationId, prior.filter((e) => e.idTag === null).map((e) => e.key)]);
    await tx.query(
      `INSERT INTO local_list_entries (station_id, id_tag_key, id_tag, id_tag_info) SELECT $1, e.key, e."idTag", e."idTagInfo"
         FROM jsonb_to_recordset($2::jsonb) AS e(key text, "idTag" text, "idTagInfo" jsonb)
       ON CONFLICT (station_id, id_tag_key) DO UPDATE SET id_tag = EXCLUDED.id_tag, id_tag_info = EXCLUDED.id_tag_info`,
      [stationId, JSON.stringify(prior.filter((e) => e.idTag !== null))],
    );
  }
  await tx.query(
    `UPDATE local_lists SET list_version = $2, entries_certain = $3,
       entries = CASE WHEN $3 THEN (SELECT count(*) FROM local_list_entries WHERE station_id = $1) END WHERE station_id = $1`,
    [stationId, settlement.outcome === 'applied' ? pending.listVersion : pending.before.listVersion, settlement.certain],
  );
}

/** The update's entries as one JSON parameter (a list may hold thousands of tags: one statement, not one per tag). */
const listOf = (req: Ocpp16.SendLocalListRequest) => JSON.stringify(req.localAuthorizationList ?? []);

/**
 * Stores the update's entries that carry `idTagInfo` (the tag as sent, its info). The command
 * rules refuse a tag twice in a list (in any case); DISTINCT ON still keeps one (the last) so that
 * a list they let through never fails the upsert.
 */
async function putEntries(tx: EntityManager, stationId: string, req: Ocpp16.SendLocalListRequest): Promise<void> {
  await tx.query(
    `INSERT INTO local_list_entries (station_id, id_tag_key, id_tag, id_tag_info)
     SELECT DISTINCT ON (lower(e.v->>'idTag')) $1, lower(e.v->>'idTag'), e.v->>'idTag', e.v->'idTagInfo'
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, n) WHERE jsonb_typeof(e.v->'idTagInfo') = 'object'
      ORDER BY lower(e.v->>'idTag'), e.n DESC
     ON CONFLICT (station_id, id_tag_key) DO UPDATE SET id_tag = EXCLUDED.id_tag, id_tag_info = EXCLUDED.id_tag_info`,
    [stationId, listOf(req)],
  );
}

/** A Differential update's entries without `idTagInfo` delete their tag (OCPP 1.6 §5.15). */
export async function removeEntries(tx: EntityManager, stationId: string, req: Ocpp16.SendLocalListRequest): Promise<void> {
  await tx.query(
    `DELETE FROM local_list_entries WHERE station_id = $1
       AND id_tag_key IN (SELECT lower(v->>'idTag') FROM jsonb_array_elements($2::jsonb) AS v WHERE jsonb_typeof(v->'idTagInfo') IS DISTINCT FROM 'object')`,
    [stationId, listOf(req)],
  );
}
