import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type AdjustStatus = 'pending' | 'accepted' | 'already_requested' | 'rejected';

/** Our one adjust request per group and Taipei day. */
export interface AdjustRecord {
  partnerId: string;
  groupId: string;
  day: string;
  status: AdjustStatus;
  outboundId: string;
  requestedBy: string;
  requestedAt: Date;
  acceptedAt: Date | null;
}

interface Row {
  partner_id: string;
  group_id: string;
  day: string;
  status: AdjustStatus;
  outbound_id: string;
  requested_by: string;
  requested_at: Date;
  accepted_at: Date | null;
}

const toRecord = (r: Row): AdjustRecord => ({
  partnerId: r.partner_id,
  groupId: r.group_id,
  day: r.day,
  status: r.status,
  outboundId: r.outbound_id,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  acceptedAt: r.accepted_at,
});

const COLUMNS = `partner_id, group_id, to_char(day, 'YYYY-MM-DD') AS day, status, outbound_id, requested_by, requested_at, accepted_at`;

@Injectable()
export class AdjustRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(partnerId: string, groupId: string, day: string, tx?: EntityManager): Promise<AdjustRecord | undefined> {
    const rows: Row[] = await (tx ?? this.dataSource.manager).query(`SELECT ${COLUMNS} FROM oscp_adjust WHERE partner_id = $1 AND group_id = $2 AND day = $3`, [partnerId, groupId, day]);
    return rows.map(toRecord)[0];
  }

  /** Inserts the day's request; false when one exists already (ELMO accepts one per day). */
  async insert(tx: EntityManager, r: Omit<AdjustRecord, 'acceptedAt' | 'status'>): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO oscp_adjust (partner_id, group_id, day, status, outbound_id, requested_by, requested_at) VALUES ($1, $2, $3, 'pending', $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [r.partnerId, r.groupId, r.day, r.outboundId, r.requestedBy, r.requestedAt],
    );
    return rows.length > 0;
  }

  async setStatus(tx: EntityManager, outboundId: string, status: AdjustStatus, acceptedAt?: Date): Promise<void> {
    await tx.query(`UPDATE oscp_adjust SET status = $2, accepted_at = COALESCE($3, accepted_at) WHERE outbound_id = $1`, [outboundId, status, acceptedAt ?? null]);
  }

  /** Accepted adjusts for `day` (to check that their replies arrived). */
  async acceptedFor(day: string): Promise<AdjustRecord[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM oscp_adjust WHERE day = $1 AND status IN ('accepted', 'already_requested')`, [day]);
    return rows.map(toRecord);
  }
}
