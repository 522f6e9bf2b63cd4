import { newRequestId } from '@cpo/oscp-protocol';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type OutboundStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** One outbound OSCP message and its audit trail (one request id for all its attempts). */
export interface OutboundMessage {
  id: string;
  partnerId: string;
  action: string;
  method: 'POST' | 'PUT' | 'DELETE';
  requestId: string;
  correlationId: string | null;
  body: unknown;
  /** What the sender needs back when the outcome is known (e.g. group and day of an adjust). */
  context: Record<string, unknown>;
  status: OutboundStatus;
  attempts: number;
  maxAttempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewOutbound {
  partnerId: string;
  action: string;
  method?: 'POST' | 'PUT' | 'DELETE';
  body: unknown;
  correlationId?: string;
  context?: Record<string, unknown>;
  maxAttempts: number;
}

interface Row {
  id: string;
  partner_id: string;
  action: string;
  method: 'POST' | 'PUT' | 'DELETE';
  request_id: string;
  correlation_id: string | null;
  body: unknown;
  context: Record<string, unknown>;
  status: OutboundStatus;
  attempts: number;
  max_attempts: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const toMessage = (r: Row): OutboundMessage => ({
  id: r.id,
  partnerId: r.partner_id,
  action: r.action,
  method: r.method,
  requestId: r.request_id,
  correlationId: r.correlation_id,
  body: r.body,
  context: r.context,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  responseStatus: r.response_status,
  responseBody: r.response_body,
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

@Injectable()
export class OutboundRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Queues a message inside the caller's transaction, with a fresh request id. */
  async enqueue(tx: EntityManager, m: NewOutbound): Promise<{ id: string; requestId: string }> {
    const requestId = newRequestId();
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO oscp_outbound (partner_id, action, method, request_id, correlation_id, body, context, status, max_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) RETURNING id`,
      [m.partnerId, m.action, m.method ?? 'POST', requestId, m.correlationId ?? null, JSON.stringify(m.body), JSON.stringify(m.context ?? {}), m.maxAttempts],
    );
    return { id: rows[0].id, requestId };
  }

  /**
   * Claims due messages for one attempt. The lease (`next_attempt_at` in the future while
   * `sending`) hands a message to another replica if this one dies mid-call.
   */
  async claimDue(limit: number, leaseMs: number): Promise<OutboundMessage[]> {
    const rows: Row[] = await this.dataSource.query(
      // Wrapped in a CTE so the driver returns rows (a bare UPDATE … RETURNING comes back as [rows, count]).
      `WITH claimed AS (
         UPDATE oscp_outbound SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + ($2::int * interval '1 millisecond')
         WHERE id IN (SELECT id FROM oscp_outbound WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
                      ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT $1)
         RETURNING *)
       SELECT * FROM claimed`,
      [limit, leaseMs],
    );
    return rows.map(toMessage).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async finish(tx: EntityManager, id: string, o: { status: OutboundStatus; responseStatus?: number; responseBody?: string; error?: string; retryInMs?: number }): Promise<void> {
    await tx.query(
      `UPDATE oscp_outbound SET status = $2, response_status = $3, response_body = $4, error = $5,
         next_attempt_at = CASE WHEN $2 = 'pending' THEN now() + ($6::int * interval '1 millisecond') ELSE next_attempt_at END,
         finished_at = CASE WHEN $2 IN ('sent', 'failed') THEN now() ELSE NULL END
       WHERE id = $1`,
      [id, o.status, o.responseStatus ?? null, o.responseBody ?? null, o.error ?? null, o.retryInMs ?? 0],
    );
  }

  async list(filter: { partnerId?: string; action?: string; limit: number }): Promise<OutboundMessage[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM oscp_outbound WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::text IS NULL OR action = $2)
       ORDER BY created_at DESC LIMIT $3`,
      [filter.partnerId ?? null, filter.action ?? null, filter.limit],
    );
    return rows.map(toMessage);
  }
}
