import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The local authorisation list version each charger holds (SQL only). */
@Injectable()
export class LocalListRepository {
  constructor(private readonly db: DataSource) {}

  /** `versionChanged` false keeps the stored version and entry count (a refused update changes only the status). */
  async store(stationId: string, version: number, updateType: string, status: string, entries: number, versionChanged: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO local_lists (station_id, list_version, update_type, status, entries) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (station_id) DO UPDATE SET list_version = CASE WHEN $6 THEN EXCLUDED.list_version ELSE local_lists.list_version END,
         update_type = EXCLUDED.update_type, status = EXCLUDED.status, entries = CASE WHEN $6 THEN EXCLUDED.entries ELSE local_lists.entries END, updated_at = now()`,
      [stationId, version, updateType, status, entries, versionChanged],
    );
  }
}
