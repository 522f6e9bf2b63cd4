import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface ReservationRow {
  reservationId: number;
  stationId: string;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: Date;
  status: string;
  transactionId: number | null;
  createdAt: Date;
}

function toRow(r: Record<string, unknown>): ReservationRow {
  return {
    reservationId: Number(r['reservation_id']),
    stationId: r['station_id'] as string,
    connectorId: Number(r['connector_id']),
    idTag: r['id_tag'] as string,
    parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
    expiryDate: r['expiry_date'] as Date,
    status: r['status'] as string,
    transactionId: r['transaction_id'] === null ? null : Number(r['transaction_id']),
    createdAt: r['created_at'] as Date,
  };
}

@Injectable()
export class ReservationRepository {
  constructor(private readonly db: DataSource) {}

  async nextId(): Promise<number> {
    const [row] = (await this.db.query(`SELECT nextval('reservation_id_seq')::int AS id`)) as { id: number }[];
    return row!.id;
  }

  /** A request reusing an id replaces that reservation (spec §5.13). */
  async upsertRequested(r: { reservationId: number; stationId: string; connectorId: number; idTag: string; parentIdTag?: string; expiryDate: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO reservations (reservation_id, station_id, connector_id, id_tag, parent_id_tag, expiry_date, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'Requested')
       ON CONFLICT (reservation_id) DO UPDATE SET station_id = EXCLUDED.station_id, connector_id = EXCLUDED.connector_id, id_tag = EXCLUDED.id_tag,
         parent_id_tag = EXCLUDED.parent_id_tag, expiry_date = EXCLUDED.expiry_date, status = 'Requested', updated_at = now()`,
      [r.reservationId, r.stationId, r.connectorId, r.idTag, r.parentIdTag ?? null, r.expiryDate],
    );
  }

  /** The StartTransaction that carried the reservation id used it up. */
  async markUsed(tx: EntityManager, stationId: string, reservationId: number, transactionId: number): Promise<void> {
    await tx.query(`UPDATE reservations SET status = 'Used', transaction_id = $2, updated_at = now() WHERE reservation_id = $1 AND station_id = $3`, [
      reservationId,
      transactionId,
      stationId,
    ]);
  }

  async setStatus(reservationId: number, status: string): Promise<void> {
    await this.db.query(`UPDATE reservations SET status = $2, updated_at = now() WHERE reservation_id = $1`, [reservationId, status]);
  }

  async list(filter: { stationId?: string; offset: number; limit: number }): Promise<{ items: ReservationRow[]; total: number }> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT *, count(*) OVER () AS total FROM reservations WHERE ($1::text IS NULL OR station_id = $1) ORDER BY created_at DESC OFFSET $2 LIMIT $3`,
      [filter.stationId ?? null, filter.offset, filter.limit],
    );
    return { items: rows.map(toRow), total: Number(rows[0]?.['total'] ?? 0) };
  }
}
