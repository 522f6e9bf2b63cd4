/**
 * Per-row back-off of one relay, in memory: rows whose publish keeps failing for a reason of their
 * own are left out of the next passes for a while (1 s, doubling, at most `maxMs`), so that a pass,
 * which takes the oldest unpublished rows first, reaches the rows behind them. Without it a handful
 * of such rows at the head of the table would be the only rows every pass ever selects.
 *
 * Kept in memory rather than in the table: it needs no schema change and costs nothing on the
 * hot path; after a restart, or on another replica, a row is simply tried once more first. At most
 * `maxRows` rows are held back at once (their seqs are inlined into the pass's SELECT).
 */
export class RowBackoff {
  private readonly rows = new Map<string, { until: number; failures: number }>();

  constructor(
    private readonly maxMs = 60_000,
    private readonly maxRows = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The row failed again: hold it back for longer than last time. */
  failed(seq: string): void {
    const prev = this.rows.get(seq);
    if (!prev && this.rows.size >= this.maxRows) return;
    const failures = (prev?.failures ?? 0) + 1;
    this.rows.set(seq, { until: this.now() + Math.min(1000 * 2 ** (failures - 1), this.maxMs), failures });
  }

  /**
   * After a pass over `seqs`: rows that failed for a reason of their own (JetStream refused them, or
   * other rows of the same pass went out) are held back; when nothing went out and nothing answered,
   * NATS is down and the relay's own back-off applies instead. Every other row is done.
   */
  afterPass(seqs: readonly string[], failed: readonly { seq: string; refused: boolean }[], anySent: boolean): void {
    const failedSeqs = new Set<string>();
    for (const f of failed) {
      failedSeqs.add(f.seq);
      if (f.refused || anySent) this.failed(f.seq);
    }
    for (const seq of seqs) if (!failedSeqs.has(seq)) this.done(seq);
  }

  /** The row is done (published, or parked): forget it. */
  done(seq: string): void {
    this.rows.delete(seq);
  }

  /**
   * ` AND seq <> ALL(...)` for the rows held back now, or '' when none is. The seqs are bigints the
   * relay read from its own table, so inlining them (in a multi-statement query) is safe.
   */
  filter(): string {
    const now = this.now();
    const held: string[] = [];
    for (const [seq, r] of this.rows) {
      // Entries whose time is long past belong to rows published elsewhere (or by the fast path).
      if (r.until + this.maxMs * 10 < now) this.rows.delete(seq);
      else if (r.until > now) held.push(BigInt(seq).toString());
    }
    return held.length ? ` AND seq <> ALL('{${held.join(',')}}'::bigint[])` : '';
  }
}
