/** Most stations in one write: a bounded statement, whatever a storm left pending. */
export const LAST_SEEN_MAX_BATCH = 1_000;

/**
 * Heartbeat times (`stations.last_seen_at`) written off the answer path. A Heartbeat carries no
 * data of the charger's, only the fact that it is alive: its answer must not wait for a pool
 * connection. In a reconnect storm a thousand boots held all ten and queued for more, and a
 * connected charger's Heartbeat, answered after its write, waited 10–20 s for one: chargers whose
 * heartbeat goes unanswered for 10–30 s reconnect, feeding the storm.
 *
 * Times are coalesced per station (the newest wins; the statement keeps the later of stored and
 * written anyway) and written by one statement at a time, so a storm costs at most one waiting
 * write, not one per beat. A failed write is logged and dropped: the next beat brings a newer time,
 * and a disconnection records the connection's last frame by itself.
 */
export class LastSeenWriter {
  private readonly pending = new Map<string, Date>();
  private running = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (ids: string[], at: Date[]) => Promise<void>,
    private readonly failed: (err: unknown, stations: number) => void,
  ) {}

  /** Records that `stationId` was seen at `at`; returns at once. */
  seen(stationId: string, at: Date): void {
    const known = this.pending.get(stationId);
    if (!known || known < at) this.pending.set(stationId, at);
    if (!this.running) this.flushing = this.flush();
  }

  /** Resolves once everything recorded so far is written (or failed). */
  async drained(): Promise<void> {
    while (this.running) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Cleared in the same synchronous run as the loop's last check: a time recorded as the loop
    // ends starts a new flush, and is never left behind.
    this.running = true;
    try {
      while (this.pending.size > 0) {
        // Sorted: concurrent writers of the same rows (boots, disconnections) take their locks in one order.
        const ids = [...this.pending.keys()].slice(0, LAST_SEEN_MAX_BATCH).sort();
        const at = ids.map((id) => this.pending.get(id)!);
        for (const id of ids) this.pending.delete(id);
        try {
          await this.write(ids, at);
        } catch (err) {
          this.failed(err, ids.length);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
