import { Injectable } from '@nestjs/common';
import { OcppTransactionStoppedV1, type OcppTransactionStopped } from '@cpo/contracts';
import type { EntityManager } from 'typeorm';

/** How long a stop no start has claimed is kept: by then its start is not coming (the session was no roaming one). */
export const EARLY_STOP_RETENTION_HOURS = 24;
/** Stale kept stops deleted per stop kept: bounds the work one event adds, and outpaces the inflow. */
export const EARLY_STOP_PRUNE_BATCH = 100;

/** A stop handled before its start, as kept, with the correlation id its event carried. */
export interface EarlyStop {
  stop: OcppTransactionStopped;
  correlationId: string;
}

/**
 * `ocpi_own_early_stop`: stops of own-charger transactions that had no roaming session when handled
 * (see OwnSessionsService), and the lock that orders a transaction's start and stop handlers.
 */
@Injectable()
export class OwnEarlyStopsRepository {
  /**
   * Holds, until the transaction ends, the transaction's lock. Start and stop are handled by
   * separate consumers in concurrent database transactions: without it each could miss the other's
   * uncommitted row (the stop no session, the start no kept stop) and the stop would be lost again.
   * Under READ COMMITTED the statements after it see what the other committed.
   */
  async lock(tx: EntityManager, transactionId: number): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ocpi_own_session:${transactionId}`]);
  }

  /**
   * Keeps the stop (the first one, should ocpp publish it twice) and prunes, a bounded batch at a
   * time, the ones no start claimed within the retention: done here rather than by a timer because
   * only stops make the table grow, so pruning with them keeps it at about a day's worth without a
   * job, its lock or its interval. A stale stop being claimed right now is skipped, not waited for.
   */
  async keep(tx: EntityManager, stop: OcppTransactionStopped, correlationId: string): Promise<void> {
    await tx.query(`INSERT INTO ocpi_own_early_stop (transaction_id, payload, correlation_id) VALUES ($1, $2::jsonb, $3) ON CONFLICT (transaction_id) DO NOTHING`, [
      stop.transactionId,
      JSON.stringify(stop),
      correlationId,
    ]);
    await tx.query(
      `DELETE FROM ocpi_own_early_stop WHERE transaction_id IN (
         SELECT transaction_id FROM ocpi_own_early_stop WHERE received_at < now() - make_interval(hours => $1)
         ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [EARLY_STOP_RETENTION_HOURS, EARLY_STOP_PRUNE_BATCH],
    );
  }

  /** Takes (deletes and returns) the transaction's kept stop, if any. */
  async claim(tx: EntityManager, transactionId: number): Promise<EarlyStop | undefined> {
    // TypeORM answers a DELETE … RETURNING on PostgreSQL with [rows, affected].
    const [rows]: [{ payload: unknown; correlation_id: string }[], number] = await tx.query(`DELETE FROM ocpi_own_early_stop WHERE transaction_id = $1 RETURNING payload, correlation_id`, [transactionId]);
    const row = rows[0];
    // Checked against the contract like the event it was: it comes back from the database as untyped JSON.
    return row ? { stop: OcppTransactionStoppedV1.parse(row.payload), correlationId: row.correlation_id } : undefined;
  }
}
