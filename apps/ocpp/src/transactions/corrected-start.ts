import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { EntityManager } from 'typeorm';
import { parseOcppTime } from '../time.js';
import type { NewTransaction, TransactionRepository, TransactionRow } from './transaction.repository.js';

/**
 * `insertOrGet` for a start whose stamp was corrected by its connection's clock offset (time.ts
 * `correctedTime`; `t.startedAt` the corrected time). The stamp as sent goes to `start_sent_at`,
 * as a start kept as ahead does: a copy resent on another connection, whose offset is not
 * established yet, carries the stamp only, and the insert finds the first copy by it; and a
 * retry on this one may correct it by an estimate seconds smaller. A first copy taken at its stamp
 * (received before the offset was established) is found by that key while it runs.
 */
export async function insertOrGetCorrectedStart(
  transactions: TransactionRepository,
  tx: EntityManager,
  t: NewTransaction,
  req: Ocpp16.StartTransactionRequest,
): Promise<{ row: TransactionRow; created: boolean }> {
  const sentAt = parseOcppTime(req.timestamp);
  const stamped = await transactions.runningStartAt(tx, { ...t, startedAt: sentAt });
  if (stamped) return { row: stamped, created: false };
  return transactions.insertOrGet(tx, { ...t, startSentAt: sentAt }, sentAt);
}
