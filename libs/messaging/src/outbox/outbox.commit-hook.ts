import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { CommittedOutboxEvent } from './outbox.writer.js';

/** Where a transaction's queryRunner keeps the events it wrote, until it commits or rolls back. */
const STASH = 'cpo.outbox.pending';

interface Stashed {
  /** queryRunner.transactionDepth when written: a rollback to a savepoint voids what was written inside it. */
  depth: number;
  events: readonly CommittedOutboxEvent[];
}

/** Something that publishes a committed transaction's events (the OutboxFastPath). */
export interface AfterCommitPublisher {
  readonly enabled: boolean;
  publishAfterCommit(statement: { events?: readonly CommittedOutboxEvent[] }): Promise<void>;
}

/** Remembers events written inside the queryRunner's open transaction, for OutboxCommitHook. */
export function stashOutboxEvents(queryRunner: QueryRunner, events: readonly CommittedOutboxEvent[]): void {
  const data = queryRunner.data as Record<string, Stashed[] | undefined>;
  (data[STASH] ??= []).push({ depth: depthOf(queryRunner), events });
}

/**
 * Hands the outbox events of every TypeORM transaction to the fast path once that transaction has
 * really committed (TypeORM also reports a released savepoint as a commit; those wait for the outer
 * COMMIT). Why a subscriber: the services write their low-volume events (transaction started, boot,
 * profile applied, ...) with `OutboxWriter.enqueue` inside `dataSource.transaction(...)` in many
 * places; with the fast path on, the relay no longer wakes on NOTIFY, so without this hook each of
 * those events would wait for the relay's grace period. A rolled-back transaction's events are
 * dropped here, and their rows never existed.
 */
export class OutboxCommitHook implements EntitySubscriberInterface {
  constructor(private readonly publisher: AfterCommitPublisher) {}

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const qr = event.queryRunner;
    if (qr.isTransactionActive) return;
    const stashed = take(qr);
    if (!stashed.length) return;
    // Not awaited: the caller's commit is done; a failed publish leaves the rows to the relay.
    void this.publisher.publishAfterCommit({ events: stashed.flatMap((s) => s.events) });
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const qr = event.queryRunner;
    if (!qr.isTransactionActive) {
      take(qr);
      return;
    }
    // Rolled back to a savepoint: transactionDepth is already back to the outer level.
    const data = qr.data as Record<string, Stashed[] | undefined>;
    const kept = (data[STASH] ?? []).filter((s) => s.depth <= depthOf(qr));
    data[STASH] = kept;
  }
}

function take(qr: QueryRunner): Stashed[] {
  const data = qr.data as Record<string, Stashed[] | undefined>;
  const stashed = data[STASH] ?? [];
  delete data[STASH];
  return stashed;
}

/** TypeORM's drivers count nesting in `transactionDepth` (not on the QueryRunner interface). */
function depthOf(qr: QueryRunner): number {
  return (qr as unknown as { transactionDepth?: number }).transactionDepth ?? 1;
}
