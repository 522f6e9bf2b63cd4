import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTagRecord {
  idTag: string;
  status: IdTagStatus;
  expiryDate: Date | null;
  parentIdTag: string | null;
  updatedAt: Date;
}

function toRecord(r: Record<string, unknown>): IdTagRecord {
  return {
    idTag: r['id_tag'] as string,
    status: r['status'] as IdTagStatus,
    expiryDate: (r['expiry_date'] as Date | null) ?? null,
    parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
    updatedAt: r['updated_at'] as Date,
  };
}

/** Local authorisation identifiers (RFID uids, remote-start tags). */
@Injectable()
export class IdTagRepository {
  constructor(private readonly db: DataSource) {}

  async find(idTag: string, m: EntityManager = this.db.manager): Promise<IdTagRecord | undefined> {
    const rows: Record<string, unknown>[] = await m.query(`SELECT * FROM id_tags WHERE id_tag = $1`, [idTag]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findMany(idTags: string[]): Promise<IdTagRecord[]> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM id_tags WHERE id_tag = ANY($1::text[]) ORDER BY id_tag`, [idTags]);
    return rows.map(toRecord);
  }

  async list(offset: number, limit: number): Promise<{ items: IdTagRecord[]; total: number }> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT *, count(*) OVER () AS total FROM id_tags ORDER BY id_tag OFFSET $1 LIMIT $2`, [offset, limit]);
    return { items: rows.map(toRecord), total: Number(rows[0]?.['total'] ?? 0) };
  }

  async all(): Promise<IdTagRecord[]> {
    const rows: Record<string, unknown>[] = await this.db.query(`SELECT * FROM id_tags ORDER BY id_tag`);
    return rows.map(toRecord);
  }

  async upsert(tag: Omit<IdTagRecord, 'updatedAt'>): Promise<IdTagRecord> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `INSERT INTO id_tags (id_tag, status, expiry_date, parent_id_tag) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id_tag) DO UPDATE SET status = EXCLUDED.status, expiry_date = EXCLUDED.expiry_date, parent_id_tag = EXCLUDED.parent_id_tag, updated_at = now()
       RETURNING *`,
      [tag.idTag, tag.status, tag.expiryDate, tag.parentIdTag],
    );
    return toRecord(rows[0]!);
  }

  async remove(idTag: string): Promise<boolean> {
    const rows = returnedRows(await this.db.query(`DELETE FROM id_tags WHERE id_tag = $1 RETURNING id_tag`, [idTag]));
    return rows.length === 1;
  }

  /**
   * True when the tag is in a transaction other than `exceptTransactionId`: running now, or with
   * `at`, running at that instant (started at or before it, not stopped by then).
   */
  async inActiveTransaction(idTag: string, exceptTransactionId?: number, at?: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM transactions WHERE id_tag = $1 AND orphan = false AND transaction_id <> $2
         AND CASE WHEN $3::timestamptz IS NULL THEN stopped_at IS NULL ELSE started_at <= $3 AND (stopped_at IS NULL OR stopped_at > $3) END
       LIMIT 1`,
      [idTag, exceptTransactionId ?? -1, at ?? null],
    );
    return rows.length > 0;
  }
}
