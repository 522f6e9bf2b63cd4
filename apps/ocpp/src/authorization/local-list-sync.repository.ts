import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { IdTagRecord, IdTagStatus } from './id-tag.repository.js';
import { onlyAsks } from './local-list-claim.js';

/** A list entry whose token changed since it was sent, with the token as it is now (undefined: deleted). */
export interface PendingEntry {
  idTag: string;
  key: string;
  held: Record<string, unknown>;
  /** The mark read (`sync_needed_at` as text, exact to the microsecond): cleared only if still this one. */
  mark: string;
  token: IdTagRecord | undefined;
}

/** A repair that claimed the list (LocalListSyncRepository.claimRepair): the pending update it settles. */
export interface RepairClaim {
  /** The unanswered update to settle; null when the ask is for a replaced unit's version only (`fullListDue`). */
  pendingVersion: number | null;
  previousVersion: number | null;
  updateType: string | null;
  /** A Full list is due to a replaced unit: its version decides the one the list is sent at (LocalListRepository.reported). */
  fullListDue: boolean;
  tookOver: boolean;
}

/**
 * What an operator's GetLocalListVersion may record (LocalListSyncRepository.claimAsk): `own`, the
 * list claimed for its ask; `under`, the claim of another ask (a repair's) whose holder sends
 * nothing, recorded only if it still holds the list then; `busy`, a sync's claim (not recorded);
 * `unlisted`, no list is stored yet (nothing to claim, nothing to race).
 */
export type AskClaim = ({ kind: 'own'; tookOver: boolean } | { kind: 'under'; owner: string } | { kind: 'busy'; claim: string } | { kind: 'unlisted' }) & AskSeen;
/**
 * The list's last recorded outcome when the ask was claimed (`updated_at` as text, null without a
 * row): an operator's SendLocalList takes no claim, so one recorded meanwhile (on another replica,
 * the charger having reconnected) is seen only by it; the ask's answer is older and not recorded.
 */
type AskSeen = { seen: string | null };

/** An entry of the list not marked for a sync: what the charger holds for it, kept as it is. */
export interface KeptEntry {
  idTag: string;
  held: Record<string, unknown>;
}

/**
 * An update round a sync claimed (LocalListSyncRepository.claim): the version to send and the
 * marked entries; with `kept` (the list's other entries), the whole list, for a Full update.
 */
export interface ClaimedRound {
  listVersion: number;
  entries: PendingEntry[];
  kept?: KeptEntry[];
  /** The whole list is due to a replaced unit (forgetListOfReplacedUnit): sent even when no entry is marked. */
  resend?: true;
}

/** SQL: a list the repair asks the charger's version for: an update left unanswered, or a replaced unit's list whose version is not known yet. */
const REPAIR_DUE = `(pending_update IS NOT NULL OR (full_list_due AND list_version IS NULL))`;

/** The highest listVersion we store and send (a 32-bit integer, like the OCA schema's). */
export const MAX_LIST_VERSION = 2_147_483_647;

function pendingEntry(r: Record<string, unknown>): PendingEntry {
  return {
    idTag: r['id_tag'] as string,
    key: r['id_tag_key'] as string,
    held: r['id_tag_info'] as Record<string, unknown>,
    mark: r['mark'] as string,
    token:
      r['token_id_tag'] === null
        ? undefined
        : {
            idTag: r['token_id_tag'] as string,
            status: r['status'] as IdTagStatus,
            expiryDate: (r['expiry_date'] as Date | null) ?? null,
            parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
            updatedAt: r['updated_at'] as Date,
          },
  };
}

/** The SQL of LocalListSync: which lists hold a changed token, what each must be sent, and marking it sent. */
@Injectable()
export class LocalListSyncRepository {
  constructor(private readonly db: DataSource) {}

  /** Stations whose list is certain and holds an entry of the token marked for a sync. */
  async stationsToSync(idTag: string): Promise<string[]> {
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT DISTINCT e.station_id FROM local_list_entries e JOIN local_lists l ON l.station_id = e.station_id
        WHERE e.id_tag_key = lower($1) AND e.sync_needed_at IS NOT NULL AND l.entries_certain AND l.list_version IS NOT NULL ORDER BY e.station_id`,
      [idTag],
    );
    return rows.map((r) => r.station_id);
  }

  /** Those of these stations with an unanswered update to settle, a Full list due (a replaced unit), or whose list is certain and holds entries marked for a sync. */
  async withPending(stationIds: string[]): Promise<string[]> {
    if (stationIds.length === 0) return [];
    const rows: { station_id: string }[] = await this.db.query(
      `SELECT l.station_id FROM local_lists l WHERE l.station_id = ANY($1::text[]) AND (l.pending_update IS NOT NULL OR l.full_list_due OR (l.entries_certain AND l.list_version IS NOT NULL
          AND EXISTS (SELECT 1 FROM local_list_entries e WHERE e.station_id = l.station_id AND e.sync_needed_at IS NOT NULL)))
        ORDER BY l.station_id`,
      [stationIds],
    );
    return rows.map((r) => r.station_id);
  }

  /**
   * The repair of the station's update left unanswered (LocalListRepository.unconfirmed), if one
   * waits to be settled: under the list row's lock, claims the list for `owner` (unique per repair)
   * until `leaseMs` from now, as a sync round does (claim), so that its GetLocalListVersion is asked
   * and its answer recorded while no sync or other repair decides what the list holds. Another live
   * claim makes it `busy`. `tookOver`: it took over another's lapsed claim, whose version may still
   * reach the charger (see releaseRepair). Nothing pending claims nothing, and opens no transaction:
   * every connection and boot asks, and almost always nothing is pending (one query, not three).
   * A replaced unit's list due a Full update (full_list_due) whose version is unknown is asked likewise.
   */
  async claimRepair(stationId: string, owner: string, leaseMs: number): Promise<RepairClaim | { busy: string } | undefined> {
    const due: unknown[] = await this.db.query(`SELECT 1 FROM local_lists WHERE station_id = $1 AND ${REPAIR_DUE}`, [stationId]);
    if (due.length === 0) return undefined;
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT (pending_update->>'listVersion')::int AS pending_version, (pending_update->'before'->>'listVersion')::int AS previous_version, pending_update->>'updateType' AS update_type, full_list_due,
                sync_owner, sync_owner || '@' || sync_until::text AS claim, sync_until > now() AS live
           FROM local_lists WHERE station_id = $1 AND ${REPAIR_DUE} FOR UPDATE`,
        [stationId],
      )) as { pending_version: number | null; previous_version: number | null; update_type: string | null; full_list_due: boolean; sync_owner: string | null; claim: string | null; live: boolean | null }[];
      if (!row) return undefined;
      const other = row.sync_owner !== null && row.sync_owner !== owner;
      if (other && row.live) return { busy: row.claim! };
      await tx.query(`UPDATE local_lists SET sync_owner = $2, sync_until = now() + make_interval(secs => $3::double precision / 1000) WHERE station_id = $1`, [stationId, owner, leaseMs]);
      return { pendingVersion: row.pending_version, previousVersion: row.previous_version, updateType: row.update_type, fullListDue: row.full_list_due, tookOver: other };
    });
  }

  /**
   * One try, never waiting, at the list for an operator's GetLocalListVersion (`owner`, unique per
   * ask) before it goes out, under the row's lock: a free or lapsed claim is taken for `leaseMs`
   * (`tookOver` as in claimRepair), another ask's live claim is named, a sync's makes it `busy`.
   */
  async claimAsk(stationId: string, owner: string, leaseMs: number): Promise<AskClaim> {
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT sync_owner, sync_owner || '@' || sync_until::text AS claim, sync_until > now() AS live, updated_at::text AS seen FROM local_lists WHERE station_id = $1 FOR UPDATE`,
        [stationId],
      )) as { sync_owner: string | null; claim: string | null; live: boolean | null; seen: string | null }[];
      if (!row) return { kind: 'unlisted', seen: null };
      const { seen } = row;
      const other = row.sync_owner !== null && row.sync_owner !== owner;
      if (other && row.live) return onlyAsks(row.sync_owner!) ? { kind: 'under', owner: row.sync_owner!, seen } : { kind: 'busy', claim: row.claim!, seen };
      await tx.query(`UPDATE local_lists SET sync_owner = $2, sync_until = now() + make_interval(secs => $3::double precision / 1000) WHERE station_id = $1`, [stationId, owner, leaseMs]);
      return { kind: 'own', tookOver: other, seen };
    });
  }

  /**
   * The repair or ask `owner` is done. Where it took over a lapsed claim, its claim is left lapsed rather
   * than cleared: `sync_version` counts only for a claim of another (claim), and the next sync must
   * still hand out versions above the one that lapsed.
   */
  async releaseRepair(stationId: string, owner: string, tookOver: boolean): Promise<void> {
    if (!tookOver) return this.release(stationId, owner);
    await this.db.query(`UPDATE local_lists SET sync_until = LEAST(sync_until, now()) WHERE station_id = $1 AND sync_owner = $2`, [stationId, owner]);
  }

  /**
   * One update round of a sync (`owner`, unique per sync run): under the list row's lock, claims the
   * list until `leaseMs` from now and hands out the listVersion to send, with the entries marked for
   * a sync (each with its token now: the spelling the entry holds wins, else the one changed last,
   * IdTagRepository.find's rule). Another live claim, a sync's, a repair's (claimRepair) or an operator's ask's (claimAsk), makes it
   * `busy` (its holder, named in `claim`, is deciding, sending or recording: two replicas reading one
   * version sent one version with two contents). Nothing marked, or a list that is not certain (a Differential built on unknown
   * entries would be a guess), releases its own claim in the same transaction: a token change committed
   * after it finds the list free. A claim that lapsed (its replica stopped mid-update, its update
   * maybe delivered) is taken over above the version it handed out. A list due a Full update (a
   * replaced unit, once its version is known) is handed out whole above that version, marked entries
   * or not: the unit holds none of them.
   */
  async claim(stationId: string, owner: string, limit: number, leaseMs: number): Promise<ClaimedRound | { busy: string } | undefined> {
    return this.db.transaction(async (tx) => {
      const [list] = (await tx.query(
        `SELECT list_version, entries_certain, full_list_due, sync_owner, sync_version, sync_owner || '@' || sync_until::text AS claim, sync_until > now() AS live
           FROM local_lists WHERE station_id = $1 FOR UPDATE`,
        [stationId],
      )) as { list_version: number | null; entries_certain: boolean; full_list_due: boolean; sync_owner: string | null; sync_version: number | null; claim: string | null; live: boolean | null }[];
      if (!list) return undefined;
      const other = list.sync_owner !== null && list.sync_owner !== owner;
      if (other && list.live) return { busy: list.claim! };
      // At the top of the range there is no version + 1: the whole list goes as a Full update at
      // version 1 (OCPP 1.6 orders only Differential updates by version; the charger replaces its
      // list whatever the version of a Full one), and Differentials go on from there.
      const top = Math.max(list.list_version ?? 0, other ? (list.sync_version ?? 0) : 0) >= MAX_LIST_VERSION;
      const resend = list.full_list_due && list.list_version !== null;
      const full = top || resend;
      const rows: Record<string, unknown>[] =
        (list.entries_certain || resend) && list.list_version !== null
          ? await tx.query(
              `SELECT e.id_tag, e.id_tag_key, e.id_tag_info, e.sync_needed_at::text AS mark,
                      t.id_tag AS token_id_tag, t.status, t.expiry_date, t.parent_id_tag, t.updated_at
                 FROM local_list_entries e
                 LEFT JOIN LATERAL (SELECT * FROM id_tags t WHERE lower(t.id_tag) = e.id_tag_key ORDER BY t.id_tag = e.id_tag DESC, t.updated_at DESC LIMIT 1) t ON true
                WHERE e.station_id = $1 AND e.sync_needed_at IS NOT NULL
                ORDER BY e.sync_needed_at, e.id_tag_key LIMIT $2`,
              [stationId, full ? null : limit],
            )
          : [];
      if (rows.length === 0 && !resend) {
        // A lapsed claim of another sync stays: the next claimant still hands out versions above it.
        await tx.query(`UPDATE local_lists SET sync_owner = NULL, sync_until = NULL WHERE station_id = $1 AND sync_owner = $2`, [stationId, owner]);
        return undefined;
      }
      const listVersion = top ? 1 : Math.max(list.list_version!, other ? (list.sync_version ?? 0) : 0) + 1;
      const kept: { id_tag: string; id_tag_info: Record<string, unknown> }[] | undefined = full
        ? await tx.query(`SELECT id_tag, id_tag_info FROM local_list_entries WHERE station_id = $1 AND sync_needed_at IS NULL ORDER BY id_tag_key`, [stationId])
        : undefined;
      await tx.query(`UPDATE local_lists SET sync_owner = $2, sync_until = now() + make_interval(secs => $3::double precision / 1000), sync_version = $4 WHERE station_id = $1`, [
        stationId,
        owner,
        leaseMs,
        listVersion,
      ]);
      return {
        listVersion,
        entries: rows.map(pendingEntry),
        ...(kept ? { kept: kept.map((k) => ({ idTag: k.id_tag, held: k.id_tag_info })) } : {}),
        ...(resend ? { resend: true as const } : {}),
      };
    });
  }

  /**
   * The claim of `owner` (a sync's or a repair's) runs `leaseMs` from now, unless another holder
   * took it over (whileRenewing: its holder is still sending or recording). One that lapsed but is
   * still ours was taken over by nobody, so renewing it undoes nothing another decided.
   */
  async renew(stationId: string, owner: string, leaseMs: number): Promise<void> {
    await this.db.query(`UPDATE local_lists SET sync_until = now() + make_interval(secs => $3::double precision / 1000) WHERE station_id = $1 AND sync_owner = $2`, [stationId, owner, leaseMs]);
  }

  /** The sync `owner` is done with the list (any way): another may claim it at once. */
  async release(stationId: string, owner: string): Promise<void> {
    await this.db.query(`UPDATE local_lists SET sync_owner = NULL, sync_until = NULL WHERE station_id = $1 AND sync_owner = $2`, [stationId, owner]);
  }

  /** The entries are in step (sent and accepted, or already right): their marks go, unless a later change replaced them. */
  async settled(stationId: string, entries: Pick<PendingEntry, 'key' | 'mark'>[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `UPDATE local_list_entries e SET sync_needed_at = NULL FROM unnest($2::text[], $3::text[]) AS m(key, mark)
        WHERE e.station_id = $1 AND e.id_tag_key = m.key AND e.sync_needed_at = m.mark::timestamptz`,
      [stationId, entries.map((e) => e.key), entries.map((e) => e.mark)],
    );
  }
}
