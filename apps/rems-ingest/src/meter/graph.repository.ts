import { Injectable } from '@nestjs/common';
import type { GraphPeriod } from '@cpo/rems-protocol';
import { DataSource } from 'typeorm';

export interface GraphBucket {
  port: number;
  at: Date;
  kwh: number;
}

const TRUNC: Record<Exclude<GraphPeriod, 'PER_METER'>, string> = { MONTH: 'month', DAY: 'day', HOUR: 'hour' };

/**
 * Energy per bucket, computed in PostgreSQL from the lifetime counters (§10): the delta between
 * consecutive good readings of a port belongs to the later reading's bucket; a negative delta
 * (counter reset, inverter swap) counts 0; implausible readings are left out. The reading just
 * before the window is included so the first delta inside it is not lost.
 */
@Injectable()
export class GraphRepository {
  constructor(private readonly db: DataSource) {}

  async energy(transceiverId: string, period: GraphPeriod, start: Date, end: Date): Promise<GraphBucket[]> {
    const bucket = period === 'PER_METER' ? 'received_at' : `date_trunc('${TRUNC[period]}', received_at, 'UTC')`;
    const rows: { port: number; at: Date; kwh: string }[] = await this.db.query(
      `WITH good AS (
         SELECT raw_frame_id, port, received_at, counter_raw * counter_wh_per_unit::numeric AS wh
         FROM meter_reading
         WHERE transceiver_id = $1 AND counter_raw IS NOT NULL AND received_at < $3 AND NOT ('implausible' = ANY (flags))
       ), first_in_window AS (
         SELECT port, max(received_at) AS since FROM good WHERE received_at < $2 GROUP BY port
       ), deltas AS (
         SELECT g.port, g.received_at, g.wh - lag(g.wh) OVER (PARTITION BY g.port ORDER BY g.received_at, g.raw_frame_id) AS delta
         FROM good g LEFT JOIN first_in_window f USING (port)
         WHERE g.received_at >= COALESCE(f.since, $2)
       )
       SELECT port, ${bucket} AS at, sum(GREATEST(delta, 0)) / 1000 AS kwh
       FROM deltas
       WHERE delta IS NOT NULL AND received_at >= $2
       GROUP BY port, at
       ORDER BY port, at`,
      [transceiverId, start, end],
    );
    return rows.map((r) => ({ port: r.port, at: new Date(r.at), kwh: Number(r.kwh) }));
  }
}
