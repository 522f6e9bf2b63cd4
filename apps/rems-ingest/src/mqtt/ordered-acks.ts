interface Entry {
  messageId: number;
  settled: boolean;
  epoch: number;
}

/**
 * The PUBACKs of one MQTT connection. A message is acknowledged only once it is settled (its frame
 * committed, or the message quarantined), so a crash before the commit leaves it unacknowledged
 * and the broker sends it again. Acknowledgements leave in the order the messages arrived, as
 * MQTT asks of a receiver (MQTT-4.6.0-2): one settled early waits for those before it, which
 * costs little because batches commit roughly in arrival order.
 *
 * A lost connection voids everything pending: the broker redelivers those messages on the next
 * connection of the session, and a packet id must never be acknowledged on a connection it did not
 * arrive on (it may by then name another message).
 */
export class OrderedAcks {
  private entries: Entry[] = [];
  private head = 0;
  private epoch = 0;

  constructor(private readonly send: (messageId: number) => void) {}

  /** Registers a received message; call the returned function once it is settled (idempotent). */
  track(messageId: number): () => void {
    const entry: Entry = { messageId, settled: false, epoch: this.epoch };
    this.entries.push(entry);
    return () => {
      if (entry.settled) return;
      entry.settled = true;
      if (entry.epoch === this.epoch) this.flush();
    };
  }

  /** Messages received on the current connection and not yet acknowledged. */
  get pending(): number {
    return this.entries.length - this.head;
  }

  /** The connection is gone: nothing tracked so far may be acknowledged any more. */
  reset(): void {
    this.epoch++;
    this.entries = [];
    this.head = 0;
  }

  private flush(): void {
    while (this.head < this.entries.length && this.entries[this.head].settled) {
      this.send(this.entries[this.head].messageId);
      this.head++;
    }
    // Compact now and then instead of shifting on every acknowledgement.
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
