import type { DataSource, EntityManager } from 'typeorm';

export interface CommitBatcherOptions {
  /** Most items committed in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once (each holds one pool connection). */
  concurrency: number;
}

interface Waiting<T, R> {
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
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running += 1;
      void this.commit(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
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
