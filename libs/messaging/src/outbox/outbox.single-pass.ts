import type pg from 'pg';
import type { RelayPassDeps, RelayPassResult } from './outbox.pass.js';
import type { OutboxRow } from './outbox.relay.js';
import { classifyPublishFailure, NOT_PARKED, PARKED_PREFIX } from './publish-failure.js';

/**
 * One pass over `outbox` rows (one event each). A row that can never be published is parked
 * (`last_error` starting with PARKED_PREFIX, skipped from then on); rows failing for a reason of
 * their own are held back for a while (RowBackoff) so they cannot starve the rows behind them.
 */
export async function drainSingleRows(d: RelayPassDeps): Promise<RelayPassResult> {
  const { client } = d;
  try {
    // Losing the commit below in a crash only means publishing these rows again, whose
    // duplicates are dropped (by JetStream within its window, by consumer inboxes after it);
    // so it need not wait for the WAL flush.
    const opened = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off;
       SELECT seq, id, subject, schema_version, payload::text AS payload, correlation_id, source,
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
         FROM outbox WHERE published_at IS NULL AND ${NOT_PARKED}${d.freshFilter}${d.backoff?.filter() ?? ''} ORDER BY seq LIMIT ${Math.trunc(d.rowsPerPass)} FOR UPDATE SKIP LOCKED`,
    )) as unknown as pg.QueryResult<OutboxRow>[];
    const rows = opened[2].rows;
    if (rows.length === 0) {
      await client.query('COMMIT');
      return { published: 0, failed: 0, selected: 0 };
    }
    const results = await d.publishAll(rows);
    const sent = rows.filter((_, i) => results[i].status === 'fulfilled');
    const failed: { row: OutboxRow; refused: boolean }[] = [];
    const parked: { row: OutboxRow; reason: string }[] = [];
    let reason = '';
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return;
      d.metrics.publishFailures.inc({ subject: rows[i].subject });
      const kind = classifyPublishFailure(r.reason);
      if (kind === 'permanent') parked.push({ row: rows[i], reason: String(r.reason) });
      else {
        failed.push({ row: rows[i], refused: kind === 'refused' });
        reason ||= String(r.reason);
      }
    });
    if (sent.length) await d.afterPublish?.(sent.map((r) => r.id));
    if (failed.length) {
      await client.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`, [failed.map((f) => f.row.id), reason]);
      d.logger.warn({ failed: failed.length, published: sent.length, reason }, 'outbox publish failed; will retry');
    }
    for (const p of parked) {
      await client.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [p.row.id, `${PARKED_PREFIX}${p.reason}`]);
      d.metrics.outboxParked.inc({ subject: p.row.subject });
      d.logger.error({ eventId: p.row.id, subject: p.row.subject, reason: p.reason }, 'outbox event can never be published; parked in outbox');
    }
    // The seqs are integers read from our own table a moment ago, so inlining them is safe and lets
    // the update and the commit share one round trip (seqs rather than uuids: a quarter of the bytes).
    const seqs = sent.map((r) => BigInt(r.seq).toString()).join(',');
    const mark = d.deletePublished ? 'DELETE FROM outbox' : 'UPDATE outbox SET published_at = now(), attempts = attempts + 1';
    await client.query(`${seqs ? `${mark} WHERE seq = ANY('{${seqs}}'::bigint[]);` : ''} COMMIT`);
    for (const r of sent) d.metrics.published.inc({ subject: r.subject });
    d.backoff?.afterPass(rows.map((r) => r.seq), failed.map((f) => ({ seq: f.row.seq, refused: f.refused })), sent.length > 0);
    return { published: sent.length, failed: failed.length, selected: rows.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
