import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** One decision per group and Taipei day (SQL only). */
@Injectable()
export class CapacityRequestRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Records the decision; false when the day was already decided (by us, another replica or an operator). */
  async insert(tx: EntityManager, d: { groupId: string; day: string; atMs: number; requested: boolean; requestedBy: string; decision: unknown }): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO adjust_decisions (group_id, day, decided_at, requested, requested_by, decision) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (group_id, day) DO NOTHING RETURNING day`,
      [d.groupId, d.day, new Date(d.atMs), d.requested, d.requestedBy, JSON.stringify(d.decision)],
    );
    return rows.length > 0;
  }

  async decided(groupId: string, day: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM adjust_decisions WHERE group_id = $1 AND day = $2`, [groupId, day]);
    return rows.length > 0;
  }

  async list(groupId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, decided_at AS "decidedAt", requested, requested_by AS "requestedBy", decision
       FROM adjust_decisions WHERE group_id = $1 ORDER BY day DESC LIMIT $2`,
      [groupId, limit],
    );
  }
}
