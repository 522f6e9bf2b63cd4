/**
 * Transaction messages (StopTransaction, and MeterValues of a transaction)
 * must reach the CSMS, in order, even across outages (OCPP 1.6 §3.7.1):
 * kept in order while offline, retried per TransactionMessageAttempts /
 * TransactionMessageRetryInterval, dropped only after the last attempt.
 * Other messages may overtake the queue. Kept in memory: a simulator restart
 * is a charger losing its queue.
 */
export class TransactionQueue {
  private readonly items: { send: () => Promise<unknown>; attempts: number; label: string }[] = [];
  private flushing?: Promise<void>;
  dropped: string[] = [];

  constructor(private readonly settings: () => { attempts: number; retryIntervalMs: number; online: boolean }) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues a message and tries to deliver the queue now. */
  enqueue(label: string, send: () => Promise<unknown>): Promise<void> {
    this.items.push({ send, attempts: 0, label });
    return this.flush();
  }

  /** Delivers queued messages in order; stops at the first one that cannot be delivered yet. */
  flush(): Promise<void> {
    this.flushing ??= this.run().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async run(): Promise<void> {
    while (this.items.length > 0 && this.settings().online) {
      const head = this.items[0];
      try {
        head.attempts += 1;
        await head.send();
        this.items.shift();
      } catch {
        const { attempts, retryIntervalMs, online } = this.settings();
        if (!online) return; // wait for the reconnect; an outage does not use up attempts
        if (head.attempts >= attempts) {
          this.dropped.push(head.label);
          this.items.shift();
          continue;
        }
        await new Promise((r) => setTimeout(r, retryIntervalMs * head.attempts).unref());
      }
    }
  }
}
