import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** The raw inbound message, kept as received (after authentication and validation). */
@Injectable()
export class InboundRepository {
  async insert(tx: EntityManager, m: { partnerId: string; action: string; method: string; requestId: string; correlationId?: string; body: unknown }): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO oscp_inbound (partner_id, action, method, request_id, correlation_id, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [m.partnerId, m.action, m.method, m.requestId, m.correlationId ?? null, JSON.stringify(m.body ?? null)],
    );
    return rows[0].id;
  }
}
