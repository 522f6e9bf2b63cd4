import type pg from 'pg';
import type { Logger } from 'pino';
import type { MessagingMetrics } from '../metrics.js';
import { unpackRow, type PackedRow } from './outbox.packed.js';
import type { OutboxRow } from './outbox.relay.js';
import { toJsonParameter, type CommittedOutboxEvent } from './outbox.writer.js';

export interface PackedPassDeps {
  /** A connection of the relay's pool, released when the pass ends. */
  client: pg.PoolClient;
  /** Rows per pass: each holds up to hundreds of events. */
  rowsPerPass: number;
  /** The relay's ` AND occurred_at < ...` filter when a fast path publishes fresh rows, else ''. */
  freshFilter: string;
  deletePublished: boolean;
  /** The relay's publisher: settles per row, in order. */
  publishAll(rows: OutboxRow[]): Promise<PromiseSettledResult<unknown>[]>;
  metrics: MessagingMetrics;
  logger: Logger;
  afterPublish?: (eventIds: string[]) => Promise<void>;
}

/**
 * One relay pass over `outbox_batch` (see outbox.packed.ts), like the pass over `outbox`: rows
 * locked (SKIP LOCKED, so replicas share them) while their events are published, then marked or
 * deleted in the same transaction. A row is marked only when every event it holds is on the
 * stream; otherwise it keeps its place with its attempt count and error, and is published whole
 * again later (JetStream drops the copies of the events it already stored).
 */
export async function drainPackedRows(d: PackedPassDeps): Promise<{ published: number; failed: number }> {
  const { client } = d;
  try {
    // As for `outbox` rows: losing this commit only means publishing the rows again, so no WAL flush wait.
    const opened = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off;
       SELECT seq, events, keep, source FROM outbox_batch WHERE published_at IS NULL${d.freshFilter}
        ORDER BY seq LIMIT ${Math.trunc(d.rowsPerPass)} FOR UPDATE SKIP LOCKED`,
    )) as unknown as pg.QueryResult<PackedRow>[];
    const rows = opened[2].rows;
    if (rows.length === 0) {
      await client.query('COMMIT');
      return { published: 0, failed: 0 };
    }
    const unpacked = rows.map(unpackRow);
    const results = await d.publishAll(unpacked.flat().map(toOutboxRow));
    const sent: CommittedOutboxEvent[] = [];
    const failedSeqs: string[] = [];
    let failed = 0;
    let reason: unknown;
    let k = 0;
    unpacked.forEach((events, i) => {
      let ok = true;
      for (const e of events) {
        const r = results[k++];
        if (r.status === 'fulfilled') continue;
        ok = false;
        failed += 1;
        reason ??= r.reason;
        d.metrics.publishFailures.inc({ subject: e.subject });
      }
      if (ok) sent.push(...events);
      else failedSeqs.push(rows[i].seq);
    });
    if (sent.length) await d.afterPublish?.(sent.map((e) => e.id));
    if (failedSeqs.length) {
      await client.query(`UPDATE outbox_batch SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])`, [failedSeqs, String(reason)]);
      d.logger.warn({ failed, rows: failedSeqs.length, reason: String(reason) }, 'outbox publish failed; will retry');
    }
    // Integers read from our own table a moment ago: inlined, so the mark and the commit share a round trip.
    const seqs = rows.filter((r) => !failedSeqs.includes(r.seq)).map((r) => BigInt(r.seq).toString());
    const mark = d.deletePublished ? 'DELETE FROM outbox_batch' : 'UPDATE outbox_batch SET published_at = now(), attempts = attempts + 1';
    await client.query(`${seqs.length ? `${mark} WHERE seq = ANY('{${seqs.join(',')}}'::bigint[]);` : ''} COMMIT`);
    for (const e of sent) d.metrics.published.inc({ subject: e.subject });
    return { published: sent.length, failed };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function toOutboxRow(e: CommittedOutboxEvent): OutboxRow {
  return {
    seq: e.packedSeq!,
    id: e.id,
    subject: e.subject,
    schema_version: e.schema_version,
    payload: toJsonParameter(e.payload),
    correlation_id: e.correlation_id,
    source: e.source,
    occurred_at: e.occurred_at,
  };
}
