import type { NatsConnection } from '@nats-io/transport-node';
import { PG_STARTUP_OPTIONS, pgConnectionOptions, type PgTimeouts } from '@cpo/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import type { BusNames } from '../bus-names.js';
import { textEncoder } from '../envelope.js';
import type { MessagingMetrics } from '../metrics.js';
import { PipelinedPublisher } from './pipelined-publisher.js';
import { toJsonParameter, type CommittedOutboxEvent, type OutboxStatement } from './outbox.writer.js';

export interface OutboxFastPathOptions {
  /** Off: publishAfterCommit does nothing and the relay publishes everything (the default for services). */
  enabled: boolean;
  /** For the marking UPDATEs: a pool of one connection of its own, outside the app's ORM. */
  databaseUrl: string;
  /** Connect, statement and query timeouts of that pool (the platform config); none when absent. */
  database?: PgTimeouts;
  nc: NatsConnection;
  names: BusNames;
  logger: Logger;
  metrics: MessagingMetrics;
  /** Events published but not yet marked, at most; beyond it new commits are left to the relay. */
  maxInFlight?: number;
  publishTimeoutMs?: number;
  /** How long marks are coalesced into one statement. */
  markDelayMs?: number;
  /** Delete published rows instead of marking them (OUTBOX_RETENTION_HOURS=0). */
  deletePublished?: boolean;
}

/**
 * How the fast path and the relay hand the order of events back and forth (OutboxRelay's `fastPath`).
 * Once the fast path left a commit's events to the relay (publish failed, in-flight cap reached), a
 * later commit published at once would reach the stream before them, and consumers act on that
 * order (one connector's statuses, a transaction's start before its stop). So from then on the fast
 * path holds later commits' events in memory (`holding`) until the relay reports that it has
 * published every row committed before (`caughtUp`), then publishes what it held, in commit order.
 */
export interface FastPathHandoff {
  /** Events were left to the relay that it has not caught up with yet. */
  readonly holding: boolean;
  /** Changes whenever events are left to the relay; `caughtUp` must name the one its pass started under. */
  readonly epoch: number;
  /** The relay published every row committed before `epoch` began (a pass started under it reached the end). */
  caughtUp(epoch: number): void;
  /** Called whenever the fast path leaves events to the relay, so that it starts a pass at once. */
  onHolding(wake: () => void): void;
}

/**
 * Publishes the events of a transaction that has just COMMITTED, from the copies the writer built,
 * instead of waiting for the relay to read them back (measured in rems-ingest: the relay's
 * read-back, hundreds of ms after the commit, was most of the ingest lag). Same subject, headers and
 * Nats-Msg-Id = event id as the relay, so a copy published by both is dropped by JetStream.
 *
 * Only acknowledged publishes are marked; anything else (publish refused, timeout, NATS down, a
 * crash before the mark, the in-flight cap reached) stays unmarked for the relay, which is the
 * safety net. Callers must call publishAfterCommit only after their commit resolved: events of a
 * transaction that may still roll back must never reach the bus.
 */
export class OutboxFastPath implements FastPathHandoff {
  private readonly publisher?: PipelinedPublisher;
  private pool?: pg.Pool;
  private inFlight = 0;
  private closed = false;
  /** After stop(): no further marks (nor a new pool); what is left unmarked is the relay's. */
  private stopped = false;
  /** Ids of `outbox` rows and seqs of `outbox_batch` rows to mark, and how many events they hold. */
  private toMark: string[] = [];
  private toMarkPacked: string[] = [];
  private toMarkEvents = 0;
  private markTimer?: NodeJS.Timeout;
  private marking?: Promise<void>;
  private readonly pending = new Set<Promise<void>>();
  private behind = false;
  private epochs = 0;
  /** Commits' events held while the relay catches up (see FastPathHandoff), in commit order. */
  private held: (readonly CommittedOutboxEvent[])[] = [];
  private heldEvents = 0;
  private wakeRelay?: () => void;

  constructor(private readonly o: OutboxFastPathOptions) {
    if (o.enabled) this.publisher = new PipelinedPublisher(o.nc);
  }

  get enabled(): boolean {
    return this.publisher !== undefined;
  }

  /**
   * Publishes the statement's events now, or once the relay caught up (see FastPathHandoff). Never
   * rejects: a failure is logged and the rows wait for the relay. The events of one packed row (`packedSeq`) must all come in one call: the row is
   * marked when all of them were acknowledged. The promise settles once the publish is acknowledged (or failed) and the marks are
   * queued; callers need not await it.
   */
  publishAfterCommit(statement: Pick<OutboxStatement, 'events'>): Promise<void> {
    const events = statement.events;
    if (!this.publisher || this.closed || !events?.length) return Promise.resolve();
    if (this.behind) {
      this.hold(events);
      return Promise.resolve();
    }
    if (this.inFlight + events.length > this.maxInFlight()) {
      this.o.logger.debug({ events: events.length, inFlight: this.inFlight }, 'outbox fast path full; leaving events to the relay');
      this.o.metrics.fastPathDeferred.inc(events.length);
      this.leftToRelay();
      return Promise.resolve();
    }
    return this.send(this.publisher, events);
  }

  get holding(): boolean {
    return this.behind;
  }

  get epoch(): number {
    return this.epochs;
  }

  caughtUp(epoch: number): void {
    if (!this.behind || epoch !== this.epochs) return;
    const held = this.held.flat();
    this.held = [];
    this.heldEvents = 0;
    this.behind = false;
    this.epochs += 1;
    if (!this.publisher || this.closed || held.length === 0) return;
    // One call: the events of one packed row must be published together (see publishAfterCommit).
    if (this.inFlight + held.length > this.maxInFlight()) {
      this.o.metrics.fastPathDeferred.inc(held.length);
      this.leftToRelay();
      return;
    }
    void this.send(this.publisher, held);
  }

  onHolding(wake: () => void): void {
    this.wakeRelay = wake;
  }

  private send(publisher: PipelinedPublisher, events: readonly CommittedOutboxEvent[]): Promise<void> {
    this.inFlight += events.length;
    const done = this.publish(publisher, events);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  /** While the relay catches up; too many held means the relay takes them all (their rows are committed). */
  private hold(events: readonly CommittedOutboxEvent[]): void {
    if (this.heldEvents + events.length > this.maxInFlight()) {
      this.o.metrics.fastPathDeferred.inc(this.heldEvents + events.length);
      this.held = [];
      this.heldEvents = 0;
      this.leftToRelay();
      return;
    }
    this.held.push(events);
    this.heldEvents += events.length;
  }

  /** Rows committed so far are the relay's now: later commits wait for it (see FastPathHandoff). */
  private leftToRelay(): void {
    this.behind = true;
    this.epochs += 1;
    this.wakeRelay?.();
  }

  private maxInFlight(): number {
    return this.o.maxInFlight ?? 20_000;
  }

  /** Waits for publishes in flight and their marks; later commits are left to the relay. */
  async stop(): Promise<void> {
    this.closed = true;
    // Held events are committed rows: the relay (this replica's, or another's) publishes them.
    this.held = [];
    this.heldEvents = 0;
    await Promise.all([...this.pending]);
    await this.flushMarks();
    this.stopped = true;
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    this.publisher?.close();
    await this.pool?.end();
    this.pool = undefined;
  }

  private async publish(publisher: PipelinedPublisher, events: readonly CommittedOutboxEvent[]): Promise<void> {
    const messages = events.map((e) => ({
      subject: this.o.names.subject(e.subject),
      data: textEncoder.encode(e.payloadJson ?? toJsonParameter(e.payload)),
      meta: { eventId: e.id, schemaVersion: e.schema_version, source: e.source, correlationId: e.correlation_id ?? undefined, occurredAt: e.occurred_at },
      msgId: e.id,
    }));
    // Events not marked by this call (failed, or in a packed row not all of whose events were stored).
    let released = 0;
    try {
      const results = await publisher.publishAll(messages, this.o.publishTimeoutMs ?? 5000);
      let failed = 0;
      let reason: unknown;
      /** Per packed row: its events here, and whether all were acknowledged. */
      const packed = new Map<string, { events: number; ok: boolean }>();
      results.forEach((r, i) => {
        const e = events[i];
        const ok = r.status === 'fulfilled';
        if (ok) this.o.metrics.published.inc({ subject: e.subject });
        else {
          failed += 1;
          reason ??= r.reason;
          this.o.metrics.publishFailures.inc({ subject: e.subject });
        }
        if (e.packedSeq === undefined) {
          if (ok) {
            this.toMark.push(e.id);
            this.toMarkEvents += 1;
          } else released += 1;
          return;
        }
        const row = packed.get(e.packedSeq) ?? { events: 0, ok: true };
        row.events += 1;
        row.ok &&= ok;
        packed.set(e.packedSeq, row);
      });
      // A packed row is marked as a whole, so only when every event it holds is on the stream; else the relay publishes it again.
      for (const [seq, row] of packed) {
        if (row.ok) {
          this.toMarkPacked.push(seq);
          this.toMarkEvents += row.events;
        } else released += row.events;
      }
      if (failed) this.o.logger.warn({ failed, published: events.length - failed, reason: String(reason) }, 'outbox fast-path publish failed; the relay will publish those rows');
    } catch (err) {
      // publishAll settles per message and should not throw; if it does, nothing of this batch was marked.
      released = events.length;
      this.o.logger.warn({ err, events: events.length }, 'outbox fast-path publish failed; the relay will publish those rows');
    }
    this.inFlight -= released;
    if (released > 0) this.leftToRelay();
    this.scheduleMarks();
  }

  private scheduleMarks(): void {
    if (this.stopped || this.markTimer || this.toMarkEvents === 0) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      void this.flushMarks();
    }, this.o.markDelayMs ?? 5);
  }

  /** One mark (UPDATE or DELETE) at a time, of everything acknowledged so far; rows it fails to mark are the relay's. */
  private async flushMarks(): Promise<void> {
    while (this.marking) await this.marking;
    if (this.markTimer) {
      clearTimeout(this.markTimer);
      this.markTimer = undefined;
    }
    const ids = this.toMark;
    const seqs = this.toMarkPacked;
    const events = this.toMarkEvents;
    if (events === 0) return;
    this.toMark = [];
    this.toMarkPacked = [];
    this.toMarkEvents = 0;
    this.marking = this.db()
      .query(...this.markStatement(ids, seqs))
      .then(
        () => undefined,
        (err: unknown) => this.o.logger.warn({ err, events }, 'outbox fast path could not mark rows published; the relay will publish them again (JetStream drops the copies)'),
      )
      .finally(() => {
        this.inFlight -= events;
        this.marking = undefined;
        this.scheduleMarks();
      });
    await this.marking;
  }

  /** One statement (one round trip) for both tables; `outbox_batch` only named when there are packed rows (older apps lack it). */
  private markStatement(ids: string[], seqs: string[]): [string, unknown[]] {
    const mark = (table: string, key: string, type: string, param: string) =>
      this.o.deletePublished
        ? `DELETE FROM ${table} WHERE ${key} = ANY(${param}::${type}[])`
        : `UPDATE ${table} SET published_at = now(), attempts = attempts + 1 WHERE ${key} = ANY(${param}::${type}[]) AND published_at IS NULL`;
    if (seqs.length === 0) return [mark('outbox', 'id', 'uuid', '$1'), [ids]];
    if (ids.length === 0) return [mark('outbox_batch', 'seq', 'bigint', '$1'), [seqs]];
    return [`WITH single AS (${mark('outbox', 'id', 'uuid', '$1')}) ${mark('outbox_batch', 'seq', 'bigint', '$2')}`, [ids, seqs]];
  }

  private db(): pg.Pool {
    if (!this.pool) {
      // A lost mark only means the relay publishes the row again, which JetStream de-duplicates: no WAL flush wait.
      this.pool = new pg.Pool({
        connectionString: this.o.databaseUrl,
        max: 1,
        application_name: 'outbox-fast-path',
        ...pgConnectionOptions(this.o.database ?? {}),
        // Added to the platform's start-up settings (JIT off), which a plain `options` would replace.
        options: `${PG_STARTUP_OPTIONS} -c synchronous_commit=off`,
      });
      // An idle connection dropped by the server (restart, failover) is reported here; unheard, it would crash the process.
      this.pool.on('error', (err) => this.o.logger.warn({ err: err.message }, 'outbox fast-path connection lost; the next mark reconnects'));
    }
    return this.pool;
  }
}
