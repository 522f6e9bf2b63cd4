import type pg from 'pg';
import { unpackRow, type PackedRow } from './outbox.packed.js';
import { toJsonParameter, type CommittedOutboxEvent } from './outbox.writer.js';
import { classifyPublishFailure, NOT_PARKED, PARKED_PREFIX } from './publish-failure.js';
import type { RelayPassDeps, RelayPassResult } from './outbox.pass.js';
import type { OutboxRow } from './outbox.relay.js';

/**
 * One relay pass over `outbox_batch` (see outbox.packed.ts), like the pass over `outbox`: rows
 * locked (SKIP LOCKED, so replicas share them) while their events are published, then marked or
 * deleted in the same transaction. A row is marked only when every event it holds is on the
 * stream or parked; otherwise it keeps its place with its attempt count and error, and is
 * published whole again later (JetStream drops the copies of the events it already stored).
 *
 * An event that can never be published (see classifyPublishFailure: e.g. larger than NATS's
 * max_payload) is parked rather than retried forever: once the rest of its row is on the stream,
 * the row's `keep` is narrowed to its parked events and `last_error` starts with PARKED_PREFIX, so
 * the row stays for operators (`outbox_events` shows just those events) and no pass selects it again.
 */
export async function drainPackedRows(d: RelayPassDeps): Promise<RelayPassResult> {
  const { client } = d;
  try {
    // As for `outbox` rows: losing this commit only means publishing the rows again, so no WAL flush wait.
    const opened = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off;
       SELECT seq, events, keep, source FROM outbox_batch WHERE published_at IS NULL AND ${NOT_PARKED}${d.freshFilter}${d.backoff?.filter() ?? ''}
        ORDER BY seq LIMIT ${Math.trunc(d.rowsPerPass)} FOR UPDATE SKIP LOCKED`,
    )) as unknown as pg.QueryResult<PackedRow>[];
    const rows = opened[2].rows;
    if (rows.length === 0) {
      await client.query('COMMIT');
      return { published: 0, failed: 0, selected: 0 };
    }
    const unpacked = rows.map(unpackRow);
    const results = await d.publishAll(unpacked.flat().map(toOutboxRow));
    const sent: CommittedOutboxEvent[] = [];
    const failedRows: { seq: string; refused: boolean }[] = [];
    const parkedRows: { seq: string; events: CommittedOutboxEvent[]; reason: string }[] = [];
    let failed = 0;
    let reason: unknown;
    let k = 0;
    unpacked.forEach((events, i) => {
      const acked: CommittedOutboxEvent[] = [];
      const parked: CommittedOutboxEvent[] = [];
      let retry = false;
      let refused = false;
      let parkReason = '';
      for (const e of events) {
        const r = results[k++];
        if (r.status === 'fulfilled') {
          acked.push(e);
          continue;
        }
        d.metrics.publishFailures.inc({ subject: e.subject });
        const kind = classifyPublishFailure(r.reason);
        if (kind === 'permanent') {
          parked.push(e);
          parkReason ||= String(r.reason);
          continue;
        }
        retry = true;
        refused ||= kind === 'refused';
        failed += 1;
        reason ??= r.reason;
      }
      if (retry) failedRows.push({ seq: rows[i].seq, refused });
      else {
        sent.push(...acked);
        if (parked.length) parkedRows.push({ seq: rows[i].seq, events: parked, reason: parkReason });
      }
    });
    if (sent.length) await d.afterPublish?.(sent.map((e) => e.id));
    if (failedRows.length) {
      await client.query(`UPDATE outbox_batch SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])`, [failedRows.map((r) => r.seq), String(reason)]);
      d.logger.warn({ failed, rows: failedRows.length, reason: String(reason) }, 'outbox publish failed; will retry');
    }
    for (const p of parkedRows) await park(d, p);
    // Integers read from our own table a moment ago: inlined, so the mark and the commit share a round trip.
    const done = new Set([...failedRows, ...parkedRows].map((r) => r.seq));
    const seqs = rows.filter((r) => !done.has(r.seq)).map((r) => BigInt(r.seq).toString());
    const mark = d.deletePublished ? 'DELETE FROM outbox_batch' : 'UPDATE outbox_batch SET published_at = now(), attempts = attempts + 1';
    await client.query(`${seqs.length ? `${mark} WHERE seq = ANY('{${seqs.join(',')}}'::bigint[]);` : ''} COMMIT`);
    for (const e of sent) d.metrics.published.inc({ subject: e.subject });
    d.backoff?.afterPass(rows.map((r) => r.seq), failedRows, sent.length > 0);
    return { published: sent.length, failed, selected: rows.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Leaves only the parked events in the row, marked parked, and says so (log, metric). */
async function park(d: RelayPassDeps, p: { seq: string; events: CommittedOutboxEvent[]; reason: string }): Promise<void> {
  await d.client.query(`UPDATE outbox_batch SET keep = $2::bigint[], attempts = attempts + 1, last_error = $3 WHERE seq = $1`, [
    p.seq,
    p.events.map((e) => e.packedOrd),
    `${PARKED_PREFIX}${p.reason}`,
  ]);
  for (const e of p.events) {
    d.metrics.outboxParked.inc({ subject: e.subject });
    d.logger.error({ eventId: e.id, subject: e.subject, batchSeq: p.seq, reason: p.reason }, 'outbox event can never be published; parked in outbox_batch');
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
