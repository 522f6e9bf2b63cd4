import type { CapacityForecastBlock, CapacityForecastKind } from '@cpo/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A stored capacity forecast with its classification. */
export interface StoredForecast {
  id: string;
  partnerId: string;
  groupId: string;
  requestId: string;
  forecastType: string;
  kind: CapacityForecastKind;
  day: string | null;
  late: boolean;
  blocks: CapacityForecastBlock[];
  published: boolean;
  receivedAt: Date;
}

interface Row {
  id: string;
  partner_id: string;
  group_id: string;
  request_id: string;
  forecast_type: string;
  kind: CapacityForecastKind;
  day: string | null;
  late: boolean;
  blocks: CapacityForecastBlock[];
  published: boolean;
  received_at: Date;
}

const toForecast = (r: Row): StoredForecast => ({
  id: r.id,
  partnerId: r.partner_id,
  groupId: r.group_id,
  requestId: r.request_id,
  forecastType: r.forecast_type,
  kind: r.kind,
  day: r.day,
  late: r.late,
  blocks: r.blocks,
  published: r.published,
  receivedAt: r.received_at,
});

const COLUMNS = `id, partner_id, group_id, request_id, forecast_type, kind, to_char(day, 'YYYY-MM-DD') AS day, late, blocks, published, received_at`;

@Injectable()
export class ForecastRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: EntityManager, f: Omit<StoredForecast, 'id'>): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO oscp_forecast (partner_id, group_id, request_id, forecast_type, kind, day, late, blocks, published, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [f.partnerId, f.groupId, f.requestId, f.forecastType, f.kind, f.day, f.late, JSON.stringify(f.blocks), f.published, f.receivedAt],
    );
    return rows[0].id;
  }

  async list(filter: { partnerId?: string; groupId?: string; day?: string; limit: number }): Promise<StoredForecast[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM oscp_forecast
       WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::text IS NULL OR group_id = $2) AND ($3::date IS NULL OR day = $3)
       ORDER BY received_at DESC, seq DESC LIMIT $4`,
      [filter.partnerId ?? null, filter.groupId ?? null, filter.day ?? null, filter.limit],
    );
    return rows.map(toForecast);
  }

  /** The latest forecast of a group (the default target of a compliance error). */
  async latest(partnerId: string, groupId: string): Promise<StoredForecast | undefined> {
    return (await this.list({ partnerId, groupId, limit: 1 }))[0];
  }

  /** Whether a forecast of one of `kinds` for `day` arrived. */
  async exists(partnerId: string, groupId: string, day: string, kinds: CapacityForecastKind[]): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM oscp_forecast WHERE partner_id = $1 AND group_id = $2 AND day = $3 AND kind = ANY($4) LIMIT 1`,
      [partnerId, groupId, day, kinds],
    );
    return rows.length > 0;
  }
}
