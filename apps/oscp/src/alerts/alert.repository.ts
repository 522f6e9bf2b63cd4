import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface Alert {
  id: string;
  partnerId: string;
  groupId: string;
  kind: string;
  day: string;
  message: string;
  raisedAt: Date;
}

@Injectable()
export class AlertRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an alert once per partner, group, kind and day; false if it was already raised. */
  async raise(tx: EntityManager, a: Omit<Alert, 'id'>): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO oscp_alert (partner_id, group_id, kind, day, message, raised_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
      [a.partnerId, a.groupId, a.kind, a.day, a.message, a.raisedAt],
    );
    return rows.length > 0;
  }

  async list(limit: number): Promise<Alert[]> {
    const rows: { id: string; partner_id: string; group_id: string; kind: string; day: string; message: string; raised_at: Date }[] = await this.dataSource.query(
      `SELECT id, partner_id, group_id, kind, to_char(day, 'YYYY-MM-DD') AS day, message, raised_at FROM oscp_alert ORDER BY raised_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, partnerId: r.partner_id, groupId: r.group_id, kind: r.kind, day: r.day, message: r.message, raisedAt: r.raised_at }));
  }
}
