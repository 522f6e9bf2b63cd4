import { Injectable } from '@nestjs/common';
import { OUTBOX_CHANNEL, OutboxFastPath, storedEvents, storedPackedEvents, type CommittedOutboxEvent, type OutboxStatement } from '@cpo/messaging';
import { DataSource } from 'typeorm';
import { COMMIT_LINGER_MS, CommitBatcher } from './commit-batcher.js';
import { PreparedStatements } from './prepared.js';

/**
 * One kind of charger message's share of a group-commit statement (meter values, statuses), from
 * the feature that owns its SQL.
 */
export interface CommitPart<T> {
  /** Orders the parts in the statement, so the same set of parts always gives the same text (one prepared statement). */
  readonly key: string;
  /**
   * `name AS (...)` items for a WITH list writing `items`, parameters numbered from `firstParam`,
   * and its outbox statements (built with `OutboxWriter.statement`, each CTE with its own name,
   * packed or not). Every data-modifying CTE runs to completion whether or not the final SELECT
   * reads it; the outbox CTEs return what they stored.
   */
  build(items: T[], firstParam: number): { ctes: string; params: unknown[]; outbox: readonly OutboxStatement[] };
}

interface Entry {
  part: CommitPart<unknown>;
  item: unknown;
}

/**
 * The group commit shared by the high-volume charger messages (MeterValues with a transaction id,
 * StatusNotification): whatever arrived while the previous commit ran is written in one statement
 * of data-modifying CTEs with its events (a packed outbox row per part, see `outbox.packed.ts`) and,
 * without the fast path, one NOTIFY; its own transaction, committed and
 * flushed (`synchronous_commit` unchanged) before any of its callers is answered. One stream of
 * commits rather than one per message kind: every commit costs PostgreSQL a WAL flush and the
 * NOTIFY lock (held until the commit is flushed, so notifying commits never overlap anyway) and
 * the outbox relay a pass, whatever its size. A failing item is isolated by the batcher (halving).
 */
@Injectable()
export class ChargerCommits {
  private readonly prepared: PreparedStatements;
  private readonly batcher: CommitBatcher<Entry, void>;

  constructor(
    db: DataSource,
    private readonly fastPath: OutboxFastPath,
  ) {
    this.prepared = new PreparedStatements(db);
    this.batcher = new CommitBatcher((entries) => this.commit(entries), { maxBatch: 500, concurrency: 2, lingerMs: COMMIT_LINGER_MS });
  }

  /** Resolves once the item, its rows and its events are committed. */
  submit<T>(part: CommitPart<T>, item: T): Promise<void> {
    return this.batcher.submit({ part: part as CommitPart<unknown>, item });
  }

  private async commit(entries: Entry[]): Promise<void[]> {
    const byPart = new Map<CommitPart<unknown>, unknown[]>();
    for (const e of entries) {
      const items = byPart.get(e.part);
      if (items) items.push(e.item);
      else byPart.set(e.part, [e.item]);
    }
    const parts = [...byPart.keys()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const ctes: string[] = [];
    const params: unknown[] = [];
    const outbox: OutboxStatement[] = [];
    for (const part of parts) {
      const built = part.build(byPart.get(part)!, params.length + 1);
      ctes.push(built.ctes);
      params.push(...built.params);
      outbox.push(...built.outbox);
    }
    if (this.fastPath.enabled && outbox.length) {
      // The statement returns what its outbox CTEs stored (stale statuses store none); once it has
      // committed, the fast path publishes those, and the relay no longer needs a NOTIFY.
      const stored = await this.prepared.query<StoredRef>(`WITH ${ctes.join(',\n')} ${outbox.map(storedRefs).join(' UNION ALL ')}`, params);
      void this.fastPath.publishAfterCommit({ events: committedEvents(outbox, stored) });
      return entries.map(() => undefined);
    }
    // NOTIFY is delivered on commit, and only when an event was written (stale statuses write none).
    const notify = outbox.length
      ? `SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT ${outbox.map((s) => `(SELECT count(*) FROM ${s.name})`).join(' + ')} AS n) c WHERE c.n > 0`
      : 'SELECT 1';
    await this.prepared.query(`WITH ${ctes.join(',\n')} ${notify}`, params);
    return entries.map(() => undefined);
  }
}

/** One row of what an outbox CTE stored: `ref` is an event id, or a packed row's seq (with its `keep`). */
interface StoredRef {
  cte: string;
  ref: string;
  keep: string[] | null;
}

function storedRefs(s: OutboxStatement): string {
  return s.packed ? `SELECT '${s.name}' AS cte, seq::text AS ref, keep FROM ${s.name}` : `SELECT '${s.name}' AS cte, id::text AS ref, NULL::bigint[] AS keep FROM ${s.name}`;
}

/** The events the statement stored, as its outbox CTEs reported them. */
function committedEvents(outbox: readonly OutboxStatement[], stored: readonly StoredRef[]): CommittedOutboxEvent[] {
  const events: CommittedOutboxEvent[] = [];
  for (const s of outbox) {
    const mine = stored.filter((r) => r.cte === s.name);
    const found = s.packed ? storedPackedEvents(s.candidates, mine[0] && { seq: mine[0].ref, keep: mine[0].keep }) : storedEvents(s.candidates, mine.map((r) => r.ref));
    for (const e of found) events.push(e);
  }
  return events;
}
