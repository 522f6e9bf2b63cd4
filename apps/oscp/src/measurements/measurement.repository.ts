import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface PointRow {
  minute: Date;
  valueKwh: number;
}

/** Per-minute points of a group's register, and which outbound message carries each. */
@Injectable()
export class MeasurementRepository {
  async insertPoints(tx: EntityManager, partnerId: string, groupId: string, points: { minuteMs: number; valueKwh: number }[]): Promise<void> {
    if (points.length === 0) return;
    await tx.query(
      `INSERT INTO oscp_measurement_point (partner_id, group_id, minute, value_kwh)
       SELECT $1, $2, m, v FROM unnest($3::timestamptz[], $4::float8[]) AS t(m, v) ON CONFLICT DO NOTHING`,
      [partnerId, groupId, points.map((p) => new Date(p.minuteMs)), points.map((p) => p.valueKwh)],
    );
  }

  /** Points no delivered or in-flight message carries, oldest first. */
  async unsent(tx: EntityManager, partnerId: string, groupId: string): Promise<PointRow[]> {
    const rows: { minute: Date; value_kwh: number }[] = await tx.query(
      `SELECT minute, value_kwh FROM oscp_measurement_point WHERE partner_id = $1 AND group_id = $2 AND outbound_id IS NULL ORDER BY minute`,
      [partnerId, groupId],
    );
    return rows.map((r) => ({ minute: r.minute, valueKwh: r.value_kwh }));
  }

  async assign(tx: EntityManager, partnerId: string, groupId: string, upToMinute: Date, outboundId: string): Promise<void> {
    await tx.query(
      `UPDATE oscp_measurement_point SET outbound_id = $4 WHERE partner_id = $1 AND group_id = $2 AND outbound_id IS NULL AND minute <= $3`,
      [partnerId, groupId, upToMinute, outboundId],
    );
  }

  /** A message failed for good: its points go back to the queue for the next minute's catch-up. */
  async release(tx: EntityManager, outboundId: string): Promise<void> {
    await tx.query(`UPDATE oscp_measurement_point SET outbound_id = NULL WHERE outbound_id = $1`, [outboundId]);
  }
}
