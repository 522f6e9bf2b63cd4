import { randomUUID } from 'node:crypto';
import { schemaVersionOf, validateEvent, type EventMap, type EventSubject } from '@cpo/contracts';
import { currentCorrelationId, ValidationError } from '@cpo/platform';
import type { EntityManager } from 'typeorm';
import { stashOutboxEvents, type AfterCommitPublisher } from './outbox.commit-hook.js';
import { packedInsertCte } from './outbox.packed.js';
import { OUTBOX_CHANNEL } from './schema.js';

export interface OutboxEvent<S extends EventSubject = EventSubject> {
  subject: S;
  payload: EventMap[S];
  /** Defaults to a fresh UUID; pass one to make the write itself idempotent. */
  eventId?: string;
  correlationId?: string;
}

/**
 * The outbox insert as parts of one SQL statement, for producers that write their state and their
 * events in a single statement (a data-modifying CTE is atomic on its own, so a group commit needs
 * no BEGIN/COMMIT round trips). `cte` is a `name AS (...)` item for a WITH list; `notify` is the
 * final SELECT that wakes the relay once the statement's transaction commits.
 */
export interface OutboxStatement {
  ids: string[];
  /** The CTE's name (see OutboxStatementOptions.name). */
  name: string;
  /**
   * A packed statement (OutboxStatementOptions.packed) writes one `outbox_batch` row and its CTE
   * returns `seq, keep` (see `storedPackedEvents`); otherwise one `outbox` row per event, returning `id`.
   */
  packed: boolean;
  cte: string;
  notify: string;
  params: unknown[];
  /**
   * The rows exactly as inserted, for `OutboxFastPath.publishAfterCommit` once the statement's
   * transaction has committed. Absent when `keepOrdinals` lets the statement drop some of them
   * (only what the statement returns says which were stored, see `storedEvents`), and for a packed
   * statement, whose row seq only its result gives (see `storedPackedEvents`).
   */
  events?: readonly CommittedOutboxEvent[];
  /**
   * Every row the statement may insert, including those `keepOrdinals` may drop. The CTE returns
   * the `id` of each row it stored, so a caller that selects those ids can publish exactly these
   * (see `storedEvents`).
   */
  candidates: readonly CommittedOutboxEvent[];
}

/** The candidates whose ids the statement returned (what it stored), for the fast path. */
export function storedEvents(candidates: readonly CommittedOutboxEvent[], storedIds: Iterable<string>): CommittedOutboxEvent[] {
  const ids = new Set(storedIds);
  return candidates.filter((e) => ids.has(e.id));
}

/** One outbox row as the writer built it (what the relay would read back after the commit). */
export interface CommittedOutboxEvent {
  id: string;
  subject: string;
  schema_version: number;
  payload: unknown;
  correlation_id: string | null;
  source: string;
  /** ISO 8601 UTC with milliseconds, stored as the row's occurred_at, so both paths send the same header. */
  occurred_at: string;
  /** `payload` as the JSON text the statement stored, so the fast path publishes it without serialising it again. */
  payloadJson?: string;
  /** The `outbox_batch` row holding the event, for events of a packed statement. */
  packedSeq?: string;
  /** The event's 1-based position in that row (its `ord`), set when the relay reads the row back. */
  packedOrd?: number;
}

export interface OutboxStatementOptions {
  /** Name of the CTE (default `outbox_ins`). */
  name?: string;
  /**
   * `false`: `notify` is a plain `SELECT 1`, for producers whose events the OutboxFastPath
   * publishes (their relay does not listen). A NOTIFY takes a database-wide lock until the commit
   * is flushed, so a needless one serialises every notifying commit on the server. Default `true`.
   */
  notify?: boolean;
  /**
   * A query of the 1-based positions of the events to keep, for producers whose statement decides
   * which events happened (e.g. only non-stale statuses); the ids of the others are void.
   */
  keepOrdinals?: string;
  /**
   * `false` skips the producer-side check of each payload against its contract. Only for
   * high-volume producers whose payloads come from a mapping that is itself tested against the
   * contract (e.g. rems-ingest at thousands of events a second, where this check was ~12 % of its
   * allocations). Consumers still validate every payload they receive, so a bad one would be
   * dead-lettered with its reason, never applied. Default `true`.
   */
  validate?: boolean;
  /**
   * One `outbox_batch` row for all the events instead of an `outbox` row each (see outbox.packed.ts),
   * for statements of many events; the app needs the MessagingPackedOutbox migration. Default `false`.
   */
  packed?: boolean;
}

/**
 * Writes events into the outbox inside the caller's transaction. If that
 * transaction rolls back, the events never existed; if it commits, they are published: by the
 * fast path right after the commit when it is on (OutboxCommitHook), else by the relay, woken by
 * NOTIFY.
 */
export class OutboxWriter {
  constructor(
    private readonly source: string,
    private readonly fastPath?: AfterCommitPublisher,
  ) {}

  /** Whether committed events are published by the fast path (then statements need no NOTIFY). */
  get fastPublish(): boolean {
    return this.fastPath?.enabled === true;
  }

  /** `validate: false` only for a payload the caller has just checked against its contract itself (see OutboxStatementOptions.validate). */
  async enqueue<S extends EventSubject>(
    tx: EntityManager,
    subject: S,
    payload: EventMap[S],
    options: Omit<OutboxEvent<S>, 'subject' | 'payload'> & { validate?: boolean } = {},
  ): Promise<string> {
    const { validate, ...event } = options;
    const [id] = await this.enqueueMany(tx, [{ subject, payload, ...event }], { validate });
    return id;
  }

  async enqueueMany(tx: EntityManager, events: OutboxEvent[], options: { validate?: boolean } = {}): Promise<string[]> {
    if (!tx.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter needs the EntityManager of an open transaction');
    }
    if (events.length === 0) return [];
    const fast = this.fastPublish;
    const s = this.statement(events, 1, { notify: !fast, validate: options.validate });
    // One round trip: the rows, and the NOTIFY that fires only if this transaction commits.
    await tx.query(`WITH ${s.cte} ${s.notify}`, s.params);
    if (fast) stashOutboxEvents(tx.queryRunner!, s.candidates);
    return s.ids;
  }

  /**
   * Validates the events and builds their insert with parameters numbered from `firstParam`.
   * The caller must run `WITH <its CTEs>, ${cte} ${notify}` as one statement (or inside its
   * own transaction); the rows exist exactly when that statement's transaction commits.
   */
  statement(events: OutboxEvent[], firstParam: number, options: OutboxStatementOptions = {}): OutboxStatement {
    const name = options.name ?? 'outbox_ins';
    const ids: string[] = [];
    // One JSON parameter for the whole batch: pg's array-literal encoding (every payload's quotes
    // escaped again, in JS) cost more CPU and garbage than the native JSON.stringify of one array.
    const rows: CommittedOutboxEvent[] = [];
    // The parameter's JSON is assembled from each payload's own JSON text (kept for the fast path),
    // so a payload is serialised once, not once for the statement and again for the publish.
    const json: string[] = [];
    const ambient = currentCorrelationId() ?? null;
    const occurredAt = new Date().toISOString();
    for (const e of events) {
      const version = schemaVersionOf(e.subject);
      if (options.validate !== false) {
        // A producer emitting a payload its own contract rejects is a bug: fail the transaction, loudly.
        const checked = validateEvent(e.subject, version, e.payload);
        if (!checked.ok) throw new ValidationError(`outbox event ${e.subject} is invalid: ${checked.reason}`);
      }
      const id = e.eventId ?? randomUUID();
      ids.push(id);
      const correlationId = e.correlationId ?? ambient;
      const payloadJson = toJsonParameter(e.payload);
      rows.push({ id, subject: e.subject, schema_version: version, payload: e.payload, correlation_id: correlationId, source: this.source, occurred_at: occurredAt, payloadJson });
      json.push(
        `{"id":${JSON.stringify(id)},"subject":${JSON.stringify(e.subject)},"schema_version":${version},"payload":${payloadJson},` +
          `"correlation_id":${JSON.stringify(correlationId)},"occurred_at":"${occurredAt}","ord":${rows.length}}`,
      );
    }
    const p = (k: number) => `$${firstParam + k}`;
    const keep = options.keepOrdinals ? `WHERE e.ord IN (${options.keepOrdinals})` : '';
    const packed = options.packed === true;
    // `payload json` keeps the nested object's text exactly as JSON.stringify wrote it.
    const cte = packed
      ? packedInsertCte(name, p(0), p(1), options.keepOrdinals)
      : `${name} AS (
         INSERT INTO outbox (id, subject, schema_version, payload, correlation_id, source, occurred_at)
         SELECT e.id, e.subject, e.schema_version, e.payload, e.correlation_id, ${p(1)}::text, e.occurred_at
           FROM json_to_recordset(${p(0)}::json) AS e(id uuid, subject text, schema_version int, payload json, correlation_id text, occurred_at timestamptz, ord bigint)
         ${keep}
         RETURNING id)`;
    // NOTIFY is delivered only on commit; with no event there is nothing to wake the relay for.
    const notify = options.notify === false ? 'SELECT 1' : `SELECT pg_notify('${OUTBOX_CHANNEL}', '') FROM (SELECT count(*) AS n FROM ${name}) c WHERE c.n > 0`;
    // `source` travels as its own parameter; `ord` is only for keepOrdinals.
    return { ids, name, packed, cte, notify, params: [`[${json.join(',')}]`, this.source], events: options.keepOrdinals || packed ? undefined : rows, candidates: rows };
  }
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * JSON text for a `json` parameter that PostgreSQL will parse. JSON.stringify writes a lone UTF-16
 * surrogate as a `\udXXX` escape, which PostgreSQL's JSON parser refuses (failing the whole
 * statement); strings holding one are rare (broken input), so only then is the value re-encoded
 * with U+FFFD in their place. The scan is one native regex pass over the text.
 */
export function toJsonParameter(value: unknown): string {
  const json = JSON.stringify(value);
  if (!SURROGATE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? (v as string & { toWellFormed(): string }).toWellFormed() : v));
}
