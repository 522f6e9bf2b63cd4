import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The local authorisation list each charger holds (SQL only): its version and size, `NULL` when
 * unknown, plus the type and status of the last update or report.
 */
@Injectable()
export class LocalListRepository {
  constructor(private readonly db: DataSource) {}

  /** The charger applied an update: it now holds `version`. `entries` undefined keeps a known size. */
  async applied(stationId: string, version: number, updateType: string, entries: number | null | undefined): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, $2, $3, 'Accepted', $4)
       ON CONFLICT (station_id) DO UPDATE SET list_version = EXCLUDED.list_version, update_type = EXCLUDED.update_type, status = 'Accepted',
         entries = CASE WHEN $5 THEN local_lists.entries ELSE EXCLUDED.entries END, updated_at = now()`,
      [stationId, version, updateType, entries ?? null, entries === undefined],
    );
  }

  /** The charger refused an update: only the status changes; a station never seen before gets an unknown version. */
  async refused(stationId: string, updateType: string, status: string): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, NULL, $2, $3, NULL)
       ON CONFLICT (station_id) DO UPDATE SET update_type = EXCLUDED.update_type, status = EXCLUDED.status, updated_at = now()`,
      [stationId, updateType, status],
    );
  }

  /**
   * An update went out but its answer never came (timeout, socket closed): the charger may hold
   * the old list or the new one, so version and size are unknown until it reports or accepts one.
   */
  async unconfirmed(stationId: string, updateType: string): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, NULL, $2, 'TimedOut', NULL)
       ON CONFLICT (station_id) DO UPDATE SET list_version = NULL, update_type = EXCLUDED.update_type, status = 'TimedOut', entries = NULL, updated_at = now()`,
      [stationId, updateType],
    );
  }

  /**
   * GetLocalListVersion: the charger's word on its version (`-1` = not supported, `0` = empty). The
   * known size stays only while the version is the one it belongs to.
   */
  async reported(stationId: string, version: number): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries)
       VALUES ($1, $2, 'Reported', CASE WHEN $2 < 0 THEN 'NotSupported' ELSE 'Reported' END, CASE WHEN $2 = 0 THEN 0 END)
       ON CONFLICT (station_id) DO UPDATE SET list_version = EXCLUDED.list_version, update_type = EXCLUDED.update_type, status = EXCLUDED.status,
         entries = CASE WHEN EXCLUDED.list_version = 0 THEN 0 WHEN EXCLUDED.list_version > 0 AND local_lists.list_version = EXCLUDED.list_version THEN local_lists.entries END,
         updated_at = now()`,
      [stationId, version],
    );
  }
}
