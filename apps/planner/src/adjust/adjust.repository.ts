import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AdjustOutcome, ReplyForecast } from './outcome.js';

/** A request sent for a day whose outcome is not final yet. */
export interface PendingRequest {
  readonly groupId: string;
  readonly day: string;
  readonly decision: unknown;
  readonly contractW: number;
  /** 'no_reply' when the deadline passed already (a late reply may still replace it). */
  readonly outcomeKind?: string;
}

/**
 * Forced requests and request outcomes (SQL only). Decisions share `adjust_decisions` with the
 * daily job (capacity-request/): its (group_id, day) key is what lets only one request out a day.
 */
@Injectable()
export class AdjustRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /**
   * Records an operator's request for the day unless one was already sent. A "no request"
   * decision of the daily job is replaced (and kept inside the new record); a sent request never
   * is. Returns 'inserted' / 'replaced', or undefined when a request was already sent.
   */
  async claimRequest(tx: EntityManager, d: { groupId: string; day: string; atMs: number; requestedBy: string; decision: unknown }): Promise<'inserted' | 'replaced' | undefined> {
    const rows: { inserted: boolean }[] = await tx.query(
      `INSERT INTO adjust_decisions AS d (group_id, day, decided_at, requested, requested_by, decision) VALUES ($1, $2, $3, true, $4, $5)
       ON CONFLICT (group_id, day) DO UPDATE SET decided_at = EXCLUDED.decided_at, requested = true, requested_by = EXCLUDED.requested_by,
         decision = EXCLUDED.decision || jsonb_build_object('replaced', d.decision)
       WHERE d.requested = false
       RETURNING (xmax = 0) AS inserted`,
      [d.groupId, d.day, new Date(d.atMs), d.requestedBy, JSON.stringify(d.decision)],
    );
    if (rows.length === 0) return undefined;
    return rows[0].inserted ? 'inserted' : 'replaced';
  }

  async decision(groupId: string, day: string): Promise<{ requestedBy: string; decidedAt: Date; requested: boolean } | undefined> {
    const rows: { requested_by: string; decided_at: Date; requested: boolean }[] = await this.db.query(
      `SELECT requested_by, decided_at, requested FROM adjust_decisions WHERE group_id = $1 AND day = $2`,
      [groupId, day],
    );
    return rows[0] ? { requestedBy: rows[0].requested_by, decidedAt: rows[0].decided_at, requested: rows[0].requested } : undefined;
  }

  /** Requests sent for `fromDay` or later without a reply recorded yet. */
  async pending(fromDay: string): Promise<PendingRequest[]> {
    const rows: { group_id: string; day: string; decision: unknown; contract_kw: number; kind: string | null }[] = await this.db.query(
      `SELECT d.group_id, to_char(d.day, 'YYYY-MM-DD') AS day, d.decision, g.contract_kw::float8 AS contract_kw, o.kind
       FROM adjust_decisions d JOIN groups g ON g.id = d.group_id
       LEFT JOIN adjust_outcomes o ON o.group_id = d.group_id AND o.day = d.day
       WHERE d.requested AND d.day >= $1 AND (o.kind IS NULL OR o.kind = 'no_reply')
       ORDER BY d.day, d.group_id`,
      [fromDay],
    );
    return rows.map((r) => ({ groupId: r.group_id, day: r.day, decision: r.decision, contractW: Number(r.contract_kw) * 1000, outcomeKind: r.kind ?? undefined }));
  }

  /** The group's day-ahead replies whose blocks end in `(fromMs, toMs]`. */
  async replies(groupId: string, fromMs: number, toMs: number): Promise<ReplyForecast[]> {
    const rows: { request_id: string; received_at: Date; payload: { blocks: { startTime: string; endTime: string; powerW: number }[] } }[] = await this.db.query(
      `SELECT request_id, received_at, payload FROM capacity_forecasts
       WHERE group_id = $1 AND kind = 'day_ahead_reply' AND ends_at > $2 AND ends_at <= $3`,
      [groupId, new Date(fromMs), new Date(toMs)],
    );
    return rows.map((r) => ({
      requestId: r.request_id,
      receivedAtMs: r.received_at.getTime(),
      blocks: r.payload.blocks.map((b) => ({ startMs: Date.parse(b.startTime), endMs: Date.parse(b.endTime), powerW: Number(b.powerW) })),
    }));
  }

  /** Stores an outcome once; a reply may still replace 'no_reply'. Returns whether anything was written. */
  async saveOutcome(o: { groupId: string; day: string; reply?: ReplyForecast; outcome: AdjustOutcome; atMs: number }): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO adjust_outcomes AS o (group_id, day, kind, reply_request_id, reply_received_at, requested_kwh, granted_kwh, ratio, extra_ratio, hours, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (group_id, day) DO UPDATE SET kind = EXCLUDED.kind, reply_request_id = EXCLUDED.reply_request_id, reply_received_at = EXCLUDED.reply_received_at,
         requested_kwh = EXCLUDED.requested_kwh, granted_kwh = EXCLUDED.granted_kwh, ratio = EXCLUDED.ratio, extra_ratio = EXCLUDED.extra_ratio,
         hours = EXCLUDED.hours, recorded_at = EXCLUDED.recorded_at
       WHERE o.kind = 'no_reply' AND EXCLUDED.kind = 'replied'
       RETURNING day`,
      [
        o.groupId,
        o.day,
        o.outcome.kind,
        o.reply?.requestId ?? null,
        o.reply ? new Date(o.reply.receivedAtMs) : null,
        o.outcome.requestedKwh,
        o.outcome.grantedKwh,
        o.outcome.ratio,
        o.outcome.extraRatio ?? null,
        JSON.stringify(o.outcome.hours),
        new Date(o.atMs),
      ],
    );
    return rows.length > 0;
  }

  async outcomes(groupId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, kind, reply_request_id AS "replyRequestId", reply_received_at AS "replyReceivedAt",
         requested_kwh AS "requestedKwh", granted_kwh AS "grantedKwh", ratio, extra_ratio AS "extraRatio", hours, recorded_at AS "recordedAt"
       FROM adjust_outcomes WHERE group_id = $1 ORDER BY day DESC LIMIT $2`,
      [groupId, limit],
    );
  }

  /** Each group's newest outcome, for the gauges (every replica shows the same figures). */
  async latestOutcomes(): Promise<{ groupId: string; ratio: number; extraRatio: number | null }[]> {
    const rows: { group_id: string; ratio: number; extra_ratio: number | null }[] = await this.db.query(
      `SELECT DISTINCT ON (group_id) group_id, ratio, extra_ratio FROM adjust_outcomes ORDER BY group_id, day DESC`,
    );
    return rows.map((r) => ({ groupId: r.group_id, ratio: Number(r.ratio), extraRatio: r.extra_ratio === null ? null : Number(r.extra_ratio) }));
  }
}
