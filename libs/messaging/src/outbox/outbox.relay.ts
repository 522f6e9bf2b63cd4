import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pgConnectionOptions, type PgTimeouts } from '@cpo/platform';
import pg from 'pg';
import type { Logger } from 'pino';
import type { BusNames } from '../bus-names.js';
import { textEncoder, toHeaders } from '../envelope.js';
import type { MessagingMetrics } from '../metrics.js';
import { PipelinedPublisher } from './pipelined-publisher.js';
import { OutboxListener } from './outbox.listener.js';
import { drainPackedRows } from './outbox.packed-pass.js';
import type { FastPathHandoff } from './outbox.fast-path.js';
import type { RelayPassDeps } from './outbox.pass.js';
import { drainSingleRows } from './outbox.single-pass.js';
import { isStreamMissing, isUnansweredPublish } from '../nats/missing-resource.js';
import type { StreamGuard } from '../nats/stream-guard.js';
import { NOT_PARKED } from './publish-failure.js';
import { RowBackoff } from './row-backoff.js';

export interface OutboxRelayOptions {
  /** The relay's own connections: a small pool and the LISTEN connection (a pooled one cannot hold LISTEN). */
  databaseUrl: string;
  /** Connect, statement and query timeouts of both (the platform config); none when absent. */
  database?: PgTimeouts;
  js: JetStreamClient;
  /** The connection behind `js`, for pipelined publishes; taken from `js` when not given. */
  nc?: NatsConnection;
  names: BusNames;
  logger: Logger;
  metrics: MessagingMetrics;
  batchSize: number;
  /** Safety-net poll when no NOTIFY arrives (e.g. the LISTEN connection dropped). */
  pollIntervalMs: number;
  /** How long published rows are kept; 0 deletes each row once its stream acknowledged it. */
  retentionHours: number;
  inboxRetentionDays?: number;
  publishTimeoutMs?: number;
  /**
   * Passes in flight at once (default 1). A pass mostly waits (its SELECT, the PubAcks, its UPDATE),
   * so one pass at a time caps a relay at about batchSize per pass duration, which under load fell
   * behind a producer of 10,000 events a second (measured in rems-ingest). Concurrent passes lock
   * disjoint rows (SKIP LOCKED), as the relays of several replicas already do, so events of
   * different passes may reach the stream in either order; each is still published until its
   * stream acknowledged it.
   */
  concurrency?: number;
  /**
   * Set when an OutboxFastPath publishes rows right after their commit: the relay then leaves rows
   * younger than this (by occurred_at) to it and does not LISTEN for NOTIFY, only polls, so it does not
   * read back and publish again what the fast path is publishing that moment. Rows the fast path
   * did not publish are the relay's after this grace.
   */
  fastPathGraceMs?: number;
  /**
   * The fast path whose left-over events this relay publishes: while it holds later commits (see
   * FastPathHandoff), each pass takes every row committed before, not only those past the grace,
   * and a pass that reached the end lets the fast path go on.
   */
  fastPath?: FastPathHandoff;
  /**
   * Fault-injection seam for crash tests: runs after a batch was published and
   * before its rows are marked sent. Throwing here models a relay that dies in
   * that window.
   */
  afterPublish?: (eventIds: string[]) => Promise<void>;
  /**
   * Puts the streams back when a publish finds no stream for its subject (NATS lost its JetStream
   * storage); the rows refused for that reason are then published again at once (StreamGuard).
   */
  streams?: Pick<StreamGuard, 'recover'>;
}

export interface OutboxRow {
  seq: string;
  id: string;
  subject: string;
  schema_version: number;
  payload: string;
  correlation_id: string | null;
  source: string;
  /** ISO 8601 in UTC with milliseconds, formatted by PostgreSQL (what `Date#toISOString` gives). */
  occurred_at: string;
}

const PRUNE_EVERY_MS = 10 * 60_000;
/** Rows deleted by one prune statement, and statements per prune pass (see pruneInBatches). */
const PRUNE_BATCH = 5_000;
const PRUNE_MAX_BATCHES = 200;

/**
 * Publishes committed outbox rows to JetStream with Nats-Msg-Id = event id.
 * Rows are locked (SKIP LOCKED) while a batch is published and marked sent in
 * the same transaction, so replicas share the work; a relay that dies between
 * publish and mark re-publishes the same ids and JetStream drops the copies.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private dirty = true;
  /** Passes asleep between passes, woken by a NOTIFY or stop(). */
  private readonly sleepers = new Set<() => void>();
  private listener?: OutboxListener;
  private lastPrune = 0;
  /** Set once `outbox_batch` exists (see detectPacked: on the first pass, then with each prune). */
  private packed = false;
  private packedCheckedAt = 0;
  private pool?: pg.Pool;
  private readonly publisher?: PipelinedPublisher;
  private readonly singleBackoff = new RowBackoff();
  private readonly packedBackoff = new RowBackoff();
  /** Passes in progress: only a pass with no other beside it can tell that every row was reached. */
  private passes = 0;
  /** The last pass under a hold did not reach the end: the next pass must not wait for the poll interval. */
  private holdUnfinished = false;
  /** While the fast path holds: the last seqs committed when its epoch began (rows after are its own). */
  private bound?: { epoch: number; single: string; packed: string };

  constructor(private readonly o: OutboxRelayOptions) {
    // @nats-io/jetstream 3 keeps its connection as `nc`; without one, rows are published one request each.
    const nc = o.nc ?? (o.js as unknown as { nc?: NatsConnection }).nc;
    if (nc) this.publisher = new PipelinedPublisher(nc);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // With the fast path, a NOTIFY would only wake the relay to find rows it must leave alone.
    if (this.o.fastPathGraceMs === undefined) {
      this.listener = new OutboxListener(this.o, () => {
        this.dirty = true;
        this.wakeAll();
      });
      await this.listener.start();
    }
    this.o.fastPath?.onHolding(() => {
      this.dirty = true;
      this.wakeAll();
    });
    const loops = Array.from({ length: this.concurrency() }, () => this.run());
    this.loop = Promise.all(loops).then(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.wakeAll();
      await this.loop;
    }
    await this.listener?.stop();
    this.listener = undefined;
    this.publisher?.close();
    await this.pool?.end();
    this.pool = undefined;
  }

  /**
   * Publishes one batch. Successes are marked sent and failures get their
   * attempt count and error recorded, in one commit; failed rows stay queued.
   * Two round trips per pass on the happy path: lock-and-read, mark-and-commit.
   */
  async drainOnce(): Promise<{ published: number; failed: number }> {
    this.dirty = false;
    this.passes += 1;
    try {
      if (this.packedCheckedAt === 0) await this.detectPacked();
      const bound = await this.holdBound();
      const singleRows = this.o.batchSize;
      const packedRows = Math.max(1, Math.ceil(this.o.batchSize / 100));
      const single = await drainSingleRows(await this.passDeps(singleRows, this.singleBackoff, bound && ` AND seq <= ${bound.single}`));
      const packed = this.packed
        ? await drainPackedRows(await this.passDeps(packedRows, this.packedBackoff, bound && ` AND seq <= ${bound.packed}`))
        : { published: 0, failed: 0, selected: 0 };
      // Rows held back per row (RowBackoff: JetStream keeps refusing them) do not count: waiting for
      // them would keep every later event in the relay's hands for as long as they fail.
      const reachedEnd = single.selected < singleRows && packed.selected < packedRows;
      this.holdUnfinished = bound !== undefined && !reachedEnd;
      if (bound && reachedEnd && single.failed + packed.failed === 0 && this.passes === 1) this.o.fastPath!.caughtUp(bound.epoch);
      return { published: single.published + packed.published, failed: single.failed + packed.failed };
    } finally {
      this.passes -= 1;
    }
  }

  /**
   * While the fast path holds, the rows this relay must publish before it may go on: all committed
   * when its epoch began. Bounded by seq (read after the epoch, so every such row is below it), not
   * by time: a bound that moved on with new commits could never be reached under load.
   */
  private async holdBound(): Promise<{ epoch: number; single: string; packed: string } | undefined> {
    const handoff = this.o.fastPath;
    if (!handoff?.holding) {
      this.bound = undefined;
      return undefined;
    }
    const epoch = handoff.epoch;
    if (this.bound?.epoch === epoch) return this.bound;
    const max = (table: string) => `(SELECT coalesce(max(seq), 0) FROM ${table})::text`;
    const { rows } = await this.db().query<{ single: string; packed: string }>(`SELECT ${max('outbox')} AS single, ${this.packed ? max('outbox_batch') : `'0'`} AS packed`);
    this.bound = { epoch, single: BigInt(rows[0].single).toString(), packed: BigInt(rows[0].packed).toString() };
    return this.bound;
  }

  private async passDeps(rowsPerPass: number, backoff: RowBackoff, filter?: string): Promise<RelayPassDeps> {
    return {
      client: await this.db().connect(),
      rowsPerPass,
      freshFilter: filter ?? this.freshFilter(),
      deletePublished: this.o.retentionHours === 0,
      publishAll: (rows) => this.publishAll(rows),
      metrics: this.o.metrics,
      logger: this.o.logger,
      afterPublish: this.o.afterPublish,
      backoff,
    };
  }

  /** Whether this database has the packed outbox table (apps opt in with its migration). */
  private async detectPacked(): Promise<void> {
    if (this.packed) return;
    this.packedCheckedAt = Date.now();
    const { rows } = await this.db().query<{ present: boolean }>(`SELECT to_regclass('outbox_batch') IS NOT NULL AS present`);
    this.packed = rows[0]?.present === true;
  }

  /** The relay's own small pool: its SQL is raw and multi-statement, outside the app's ORM. */
  private db(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.o.databaseUrl, max: this.concurrency() + 1, application_name: 'outbox-relay', ...pgConnectionOptions(this.o.database ?? {}) });
      // An idle connection dropped by the server (restart, failover) is reported here; unheard, it would crash the process.
      this.pool.on('error', (err) => this.o.logger.warn({ err: err.message }, 'outbox relay connection lost; the next pass reconnects'));
    }
    return this.pool;
  }

  /**
   * publishRows, and once more for the rows no stream stored if the guard re-created the streams:
   * without it they would wait for their per-row back-off, and before the guard for a restart.
   */
  private async publishAll(rows: OutboxRow[]): Promise<PromiseSettledResult<unknown>[]> {
    const results = await this.publishRows(rows);
    if (!this.o.streams) return results;
    // An unanswered publish may be a missing stream too (see isUnansweredPublish); the guard checks.
    const refused = results.flatMap((r, i) => (r.status === 'rejected' && (isStreamMissing(r.reason) || isUnansweredPublish(r.reason)) ? [i] : []));
    if (refused.length === 0) return results;
    if (!(await this.o.streams.recover((results[refused[0]] as PromiseRejectedResult).reason))) return results;
    const again = await this.publishRows(refused.map((i) => rows[i]));
    refused.forEach((index, j) => (results[index] = again[j]));
    return results;
  }

  /** The whole batch in flight at once, PubAcks awaited together; settles per row. */
  private publishRows(rows: OutboxRow[]): Promise<PromiseSettledResult<unknown>[]> {
    const timeout = this.o.publishTimeoutMs ?? 5000;
    const metaOf = (r: OutboxRow) => ({
      eventId: r.id,
      schemaVersion: r.schema_version,
      source: r.source,
      correlationId: r.correlation_id ?? undefined,
      occurredAt: r.occurred_at,
    });
    if (!this.publisher) {
      return Promise.allSettled(
        rows.map((r) => this.o.js.publish(this.o.names.subject(r.subject), textEncoder.encode(r.payload), { msgID: r.id, headers: toHeaders(metaOf(r)), timeout })),
      );
    }
    // Headers go straight to their wire form (encodeHeaders), not through a MsgHdrs object per row.
    return this.publisher.publishAll(
      rows.map((r) => ({ subject: this.o.names.subject(r.subject), data: textEncoder.encode(r.payload), meta: metaOf(r), msgId: r.id })),
      timeout,
    );
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const { published, failed } = await this.drainOnce();
        await this.maybePrune();
        // Failures beside publishes are rows of their own (held back per row); only a pass that
        // got nothing out means NATS may be down.
        if (failed === 0 || published > 0) {
          failures = 0;
          // While the fast path holds later commits, every poll interval slept here would hold them as
          // long: a pass of a few packed rows publishes fewer than batchSize events yet leaves more.
          if (published < this.o.batchSize && !this.dirty && !this.holdUnfinished) await this.sleep(this.o.pollIntervalMs);
          continue;
        }
      } catch (err) {
        this.o.logger.error({ err }, 'outbox relay pass failed');
      }
      // Back off while NATS or PostgreSQL is down; rows wait safely in the outbox.
      failures += 1;
      await this.sleep(Math.min(100 * 2 ** failures, 5000));
    }
  }

  /** Waits for a NOTIFY, the poll interval or stop(), whichever comes first. */
  private sleep(ms: number): Promise<void> {
    // stop() during a pass finds no sleeper to wake: without this the loop would then sleep a whole poll interval.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const sleepers = this.sleepers;
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
    });
  }

  private freshFilter(): string {
    const grace = this.o.fastPathGraceMs;
    return grace === undefined ? '' : ` AND occurred_at < now() - interval '${Math.max(0, Math.trunc(grace))} milliseconds'`;
  }

  private concurrency(): number {
    return Math.max(1, Math.trunc(this.o.concurrency ?? 1));
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  private async maybePrune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.detectPacked();
    // outbox_events (created with outbox_batch) lists the events of both tables; parked ones are counted by bus_outbox_parked_total.
    const { rows: [{ pending }] } = await this.db().query(`SELECT count(*)::int AS pending FROM ${this.packed ? 'outbox_events' : 'outbox'} WHERE published_at IS NULL AND ${NOT_PARKED}`);
    this.o.metrics.outboxPending.set(pending);
    // With retention 0 rows are deleted when published; this only catches rows marked by an older version.
    const hours = `now() - make_interval(hours => ${Number(this.o.retentionHours)})`;
    await this.pruneInBatches('outbox', `published_at < ${hours}`);
    if (this.packed) await this.pruneInBatches('outbox_batch', `published_at < ${hours}`);
    await this.pruneInBatches('inbox', `processed_at < now() - make_interval(days => ${Number(this.o.inboxRetentionDays ?? 14)})`);
  }

  /**
   * Deletes in bounded statements: one DELETE of a large backlog (a prune that failed for days, a
   * retention shortened) ran past the statement timeout, rolled back every time, and the table
   * never shrank. At most PRUNE_MAX_BATCHES per pass; the next pass goes on.
   */
  private async pruneInBatches(table: string, condition: string): Promise<void> {
    for (let i = 0; i < PRUNE_MAX_BATCHES && this.running; i++) {
      const { rowCount } = await this.db().query(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${condition} LIMIT ${PRUNE_BATCH}))`);
      if ((rowCount ?? 0) < PRUNE_BATCH) return;
    }
  }
}
