import { Injectable } from '@nestjs/common';
import type { CapacityForecastMissed, CapacityForecastReceived } from '@cpo/contracts';
import { affectedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';
import type { OperatorCap } from '../timeline/index.js';

/** An operator cap as stored, with the motive operators gave. */
export interface StoredCap extends OperatorCap {
  readonly groupId: string;
  readonly reason: string;
}

/** Forecasts received, forecast alerts and operator caps (SQL only). */
@Injectable()
export class CapacityRepository {
  constructor(private readonly db: DataSource) {}

  /** Stores a forecast once per request id; returns false for a redelivered one. */
  async insertForecast(tx: EntityManager, f: CapacityForecastReceived): Promise<boolean> {
    const endsAt = f.blocks.reduce((max, b) => Math.max(max, Date.parse(b.endTime)), 0);
    const rows: unknown = await tx.query(
      `INSERT INTO capacity_forecasts (request_id, group_id, partner_id, kind, forecast_type, received_at, ends_at, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
      [f.requestId, f.groupId, f.partnerId, f.kind, f.forecastType, f.receivedAt, new Date(endsAt), JSON.stringify(f)],
    );
    return affectedRows(rows) > 0;
  }

  /** The group's forecasts still relevant after `sinceMs`, in the order they were applied. */
  async forecasts(groupId: string, sinceMs: number): Promise<CapacityForecastReceived[]> {
    const rows: { payload: CapacityForecastReceived }[] = await this.db.query(
      `SELECT payload FROM capacity_forecasts WHERE group_id = $1 AND ends_at > $2 ORDER BY seq`,
      [groupId, new Date(sinceMs)],
    );
    return rows.map((r) => r.payload);
  }

  async recordAlert(tx: EntityManager, a: CapacityForecastMissed): Promise<void> {
    await tx.query(
      `INSERT INTO capacity_alerts (group_id, partner_id, kind, day, detected_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [a.groupId, a.partnerId, a.kind, a.date, a.detectedAt],
    );
  }

  async alerts(groupId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT kind, to_char(day, 'YYYY-MM-DD') AS date, detected_at AS "detectedAt", partner_id AS "partnerId" FROM capacity_alerts
       WHERE group_id = $1 ORDER BY detected_at DESC LIMIT $2`,
      [groupId, limit],
    );
  }

  async caps(groupId: string): Promise<StoredCap[]> {
    const rows: { id: string; group_id: string; start_at: Date; end_at: Date | null; power_w: number; reason: string }[] = await this.db.query(
      `SELECT id, group_id, start_at, end_at, power_w, reason FROM operator_caps WHERE group_id = $1 AND (end_at IS NULL OR end_at > now() - interval '1 day') ORDER BY start_at`,
      [groupId],
    );
    return rows.map((r) => ({
      id: r.id,
      groupId: r.group_id,
      startMs: r.start_at.getTime(),
      endMs: r.end_at?.getTime(),
      powerW: Number(r.power_w),
      reason: r.reason,
    }));
  }

  async insertCap(cap: StoredCap): Promise<void> {
    await this.db.query(`INSERT INTO operator_caps (id, group_id, start_at, end_at, power_w, reason) VALUES ($1, $2, $3, $4, $5, $6)`, [
      cap.id,
      cap.groupId,
      new Date(cap.startMs),
      cap.endMs === undefined ? null : new Date(cap.endMs),
      cap.powerW,
      cap.reason,
    ]);
  }

  async deleteCap(groupId: string, id: string): Promise<boolean> {
    const rows: unknown = await this.db.query(`DELETE FROM operator_caps WHERE group_id = $1 AND id = $2 RETURNING id`, [groupId, id]);
    return affectedRows(rows) > 0;
  }
}
