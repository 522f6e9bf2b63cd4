interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items are written in batches of at most `maxSize`, with at most `concurrency`
 * writes in flight. A batch is cut when a write slot is free and either `maxSize` items wait or the
 * oldest has waited `flushMs`; while every slot is busy, items keep collecting, so batches grow
 * with the write latency instead of queueing up as many small ones. Each `add` resolves once its
 * batch was written (committed) and rejects if that write failed.
 */
export class Batcher<T> {
  private pending: Entry<T>[] = [];
  private timer?: NodeJS.Timeout;
  private due = false;
  private inFlight = 0;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: { maxSize: number; flushMs: number; concurrency: number },
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxSize) this.pump();
      else this.timer ??= setTimeout(() => this.onTimer(), this.options.flushMs);
    });
  }

  /** Writes whatever is pending and waits until every write has finished. */
  async drain(): Promise<void> {
    this.due = true;
    this.pump();
    while (this.writes.size > 0 || this.pending.length > 0) {
      await Promise.allSettled([...this.writes]);
      this.due = true;
      this.pump();
    }
  }

  private onTimer(): void {
    this.timer = undefined;
    this.due = true;
    this.pump();
  }

  private pump(): void {
    while (this.pending.length > 0 && this.inFlight < this.options.concurrency && (this.due || this.pending.length >= this.options.maxSize)) {
      const batch = this.pending.splice(0, this.options.maxSize);
      if (this.pending.length === 0) {
        this.due = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
      }
      const run = this.run(batch);
      this.writes.add(run);
      void run.finally(() => this.writes.delete(run));
    }
  }

  private async run(batch: Entry<T>[]): Promise<void> {
    this.inFlight++;
    try {
      await this.write(batch.map((b) => b.item));
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.inFlight--;
      // Whatever collected meanwhile has waited long enough: write it now, as one batch.
      if (this.pending.length > 0) this.due = true;
      this.pump();
    }
  }
}
