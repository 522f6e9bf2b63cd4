import type { DataSource, EntityManager } from 'typeorm';
import { undeferred } from './deferred-work.js';

export interface CommitBatcherOptions {
  /** Most items committed in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once (each holds one pool connection). */
  concurrency: number;
  /**
   * While a commit is in flight, how long waiting items may wait for company before a further commit
   * starts beside it (default 0: at once, up to `concurrency`). With nothing in flight an item is
   * committed at once whatever this says, so a lone message never waits. Why: at a steady 2,000
   * CALLs/s every commit slot was free so often that batches held one or two messages, and each
   * commit costs PostgreSQL and the service far more CPU (parse, WAL flush, NOTIFY, a relay pass)
   * than a row does; one slot in use, the next batch forms while it commits. A slow commit still
   * lets a second one start after `lingerMs`, so a stalled flush does not hold everybody.
   */
  lingerMs?: number;
}

/**
 * `lingerMs` of the charger messages' batchers (meter values, statuses): well under the commit time
 * of a loaded machine and invisible next to a charger's round trip, long enough that a quiet
 * machine's 1–2 ms commits run one at a time and batches form behind them.
 */
export const COMMIT_LINGER_MS = 5;

interface Waiting<T, R> {
  /** When it was submitted (performance.now()), for `lingerMs`. */
  at: number;
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for charger messages: items submitted while a transaction is in flight are written
 * together in the next one, so thousands of MeterValues per second cost tens of commits, while a
 * lone message is committed at once (no timer, no added latency at low load). A caller's promise
 * resolves only after its item is committed, so the charger is answered after the data is durable.
 * A failing batch is split until the failing item is isolated; only that item's caller sees the error.
 */
export class CommitBatcher<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private running = 0;
  private lingerTimer?: NodeJS.Timeout;
  private readonly run: (items: T[]) => Promise<R[]>;
  private readonly options: CommitBatcherOptions;

  /** Each batch is written by `write` inside one TypeORM transaction. */
  constructor(db: DataSource, write: (items: T[], tx: EntityManager) => Promise<R[]>, options: CommitBatcherOptions);
  /**
   * Each batch is written by `commit`, which must be atomic and durable by itself when it resolves
   * (e.g. one SQL statement in autocommit: its own transaction, one round trip instead of four).
   */
  constructor(commit: (items: T[]) => Promise<R[]>, options: CommitBatcherOptions);
  constructor(
    dbOrCommit: DataSource | ((items: T[]) => Promise<R[]>),
    writeOrOptions: ((items: T[], tx: EntityManager) => Promise<R[]>) | CommitBatcherOptions,
    options?: CommitBatcherOptions,
  ) {
    if (typeof dbOrCommit === 'function') {
      this.run = dbOrCommit;
      this.options = writeOrOptions as CommitBatcherOptions;
    } else {
      const write = writeOrOptions as (items: T[], tx: EntityManager) => Promise<R[]>;
      this.run = (items) => dbOrCommit.transaction((tx) => write(items, tx));
      this.options = options!;
    }
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ at: performance.now(), item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    const linger = this.options.lingerMs ?? 0;
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      if (this.running > 0 && linger > 0 && this.waiting.length < this.options.maxBatch) {
        const left = this.waiting[0]!.at + linger - performance.now();
        if (left > 0) {
          // Re-checked when the timer fires or a commit ends, whichever comes first.
          this.lingerTimer ??= setTimeout(() => {
            this.lingerTimer = undefined;
            this.pump();
          }, Math.ceil(left));
          return;
        }
      }
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running += 1;
      // Never as deferred work, whichever submitter's turn started it: the batch carries chargers' data.
      void undeferred(() => this.commit(batch)).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
    if (this.waiting.length === 0 && this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
  }

  private async commit(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.commit(batch.slice(0, half));
      await this.commit(batch.slice(half));
    }
  }
}
