import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pageTotal, type Page } from '../persistence/page.js';

/** A station whose local list holds a token: the entry as sent, and whether the list is known to hold it. */
export interface HeldEntry {
  stationId: string;
  idTag: string;
  idTagInfo: Record<string, unknown>;
  certain: boolean;
  listVersion: number | null;
  /** The token changed or was deleted since this entry was sent, and the charger has not yet accepted the update (LocalListSync). */
  syncNeeded: boolean;
  /** An update to the list went unanswered and waits for the charger's version to settle it (LocalListSync asks). */
  repairPending: boolean;
}

/**
 * Stations holding a token in their lists, and one station's list (SQL only; the entries are
 * written by LocalListRepository). Tokens are compared without case (IdToken is a CiString).
 */
@Injectable()
export class LocalListViewsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The stations whose list holds the token (or may hold it: `certain` false), by station id, and
   * how many lists are not known (`unknownLists`: entries uncertain, no entry of the token stored)
   * and so may hold it without our knowing. A token deleted or never stored is looked up too: its
   * entries are what still lets a charger accept it.
   */
  async holding(idTag: string, offset: number, limit: number): Promise<Page<HeldEntry> & { unknownLists: number }> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT e.station_id, e.id_tag, e.id_tag_info, e.sync_needed_at IS NOT NULL AS sync_needed, l.entries_certain, l.list_version,
              l.pending_update IS NOT NULL AS repair_pending, count(*) OVER () AS total
         FROM local_list_entries e JOIN local_lists l ON l.station_id = e.station_id
        WHERE e.id_tag_key = lower($1) ORDER BY e.station_id OFFSET $2 LIMIT $3`,
      [idTag, offset, limit],
    );
    const total = await pageTotal(rows, offset, () => this.db.query(`SELECT count(*) AS total FROM local_list_entries WHERE id_tag_key = lower($1)`, [idTag]));
    const [unknown] = (await this.db.query(
      `SELECT count(*) AS n FROM local_lists l WHERE NOT l.entries_certain
         AND NOT EXISTS (SELECT 1 FROM local_list_entries e WHERE e.station_id = l.station_id AND e.id_tag_key = lower($1))`,
      [idTag],
    )) as { n: string }[];
    const items = rows.map((r) => ({
      stationId: r['station_id'] as string,
      idTag: r['id_tag'] as string,
      idTagInfo: r['id_tag_info'] as Record<string, unknown>,
      certain: r['entries_certain'] as boolean,
      listVersion: (r['list_version'] as number | null) ?? null,
      syncNeeded: r['sync_needed'] as boolean,
      repairPending: r['repair_pending'] as boolean,
    }));
    return { items, total, offset, limit, unknownLists: Number(unknown?.n ?? 0) };
  }

  /** The station's list (version, last update, entries by tag), or undefined for an unknown station. */
  async stationList(stationId: string, offset: number, limit: number) {
    const [list] = (await this.db.query(
      `SELECT l.list_version, l.update_type, l.status, l.entries, COALESCE(l.entries_certain, false) AS entries_certain,
              l.pending_update IS NOT NULL AS repair_pending, l.updated_at
         FROM stations s LEFT JOIN local_lists l ON l.station_id = s.id WHERE s.id = $1`,
      [stationId],
    )) as Record<string, unknown>[];
    if (!list) return undefined;
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT id_tag, id_tag_info, sync_needed_at IS NOT NULL AS sync_needed, count(*) OVER () AS total FROM local_list_entries WHERE station_id = $1 ORDER BY id_tag_key OFFSET $2 LIMIT $3`,
      [stationId, offset, limit],
    );
    const total = await pageTotal(rows, offset, () => this.db.query(`SELECT count(*) AS total FROM local_list_entries WHERE station_id = $1`, [stationId]));
    return {
      listVersion: (list['list_version'] as number | null) ?? null,
      updateType: (list['update_type'] as string | null) ?? null,
      status: (list['status'] as string | null) ?? null,
      entries: (list['entries'] as number | null) ?? null,
      certain: list['entries_certain'] as boolean,
      repairPending: list['repair_pending'] as boolean,
      updatedAt: (list['updated_at'] as Date | null) ?? null,
      items: rows.map((r) => ({ idTag: r['id_tag'] as string, idTagInfo: r['id_tag_info'] as Record<string, unknown>, syncNeeded: r['sync_needed'] as boolean })),
      total,
      offset,
      limit,
    };
  }
}
