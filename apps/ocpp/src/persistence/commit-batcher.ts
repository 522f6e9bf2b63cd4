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

  constructor(
    private readonly db: DataSource,
    private readonly write: (items: T[], tx: EntityManager) => Promise<R[]>,
    private readonly options: CommitBatcherOptions,
  ) {}

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
      const results = await this.db.transaction((tx) => this.write(batch.map((w) => w.item), tx));
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
