import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pageTotal } from '../persistence/page.js';
import { toRow, type ReservationRow } from './reservation-row.js';
import { LIVE_RESERVATION_STATUSES } from './reservation.repository.js';

/** The operator's list of reservations (SQL, read only); the recording and its rules are ReservationRepository's. */
@Injectable()
export class ReservationListRepository {
  constructor(private readonly db: DataSource) {}

  /** Newest first; a reservation the charger may still hold reads as `Expired` once past its `expiryDate` (spec: it ends then). */
  async list(filter: { stationId?: string; offset: number; limit: number }): Promise<{ items: ReservationRow[]; total: number }> {
    const where = `($1::text IS NULL OR station_id = $1)`;
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, transaction_id, created_at,
         CASE WHEN status = ANY($4::text[]) AND expiry_date <= now() THEN 'Expired' ELSE status END AS status, count(*) OVER () AS total
       FROM reservations WHERE ${where} ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3`,
      [filter.stationId ?? null, filter.offset, filter.limit, [...LIVE_RESERVATION_STATUSES]],
    );
    const total = await pageTotal(rows, filter.offset, () => this.db.query(`SELECT count(*) AS total FROM reservations WHERE ${where}`, [filter.stationId ?? null]));
    return { items: rows.map(toRow), total };
  }
}
