import { Injectable } from '@nestjs/common';

interface Split {
  /** The count the cap's shares were last split over; undefined while it is being read. */
  split?: number;
  /** The highest connector that reported since the entry was made. */
  seen: number;
  /** Counts of this replica's passes (`over`): a re-split pass that made none found no emulated cap. */
  passes: number;
}

/**
 * The connector count each station's emulated cap was last split over (`emulated-cap.ts`), against
 * which every StatusNotification is compared in memory: the status hot path costs no query. Only
 * stations whose cap is emulated have an entry: set by a pass on this replica, or read once
 * (`learn`) by the replica holding the socket when a pass on another one sent the shares through it
 * (the count is kept with the cap row). A status beyond the count means the shares sent sum to more
 * than the cap; a pass on this replica, the one holding the socket, sends them again
 * (`connector-resplit.ts`). An entry goes when the socket (re)connects or boots (the pass then sets
 * it again, or finds no emulated cap: new firmware), so a count this replica held before the socket
 * went elsewhere, or before the capabilities were forgotten, never hides a connector: one entry per
 * station at most.
 */
@Injectable()
export class ConnectorSplits {
  private readonly stations = new Map<string, Split>();

  /**
   * The count a pass splits the cap over: `read` (from the database), raised to any connector that
   * reported while it was read (its status may have committed after the read, its notice come
   * before the count was set here). Statuses after it are compared with the count by `reported`.
   */
  async over(stationId: string, read: () => Promise<number>): Promise<number> {
    const entry = this.stations.get(stationId) ?? { seen: 0, passes: 0 };
    const before = entry.split;
    // Unset while read: a status meanwhile is counted in by the read or by `seen`, with no pass of its own.
    entry.split = undefined;
    this.stations.set(stationId, entry);
    let n: number;
    try {
      n = await read();
    } catch (err) {
      entry.split ??= before;
      throw err;
    }
    entry.split = Math.max(n, entry.seen);
    entry.passes++;
    // Forgotten during the read (a reconnect, a boot): not kept, the pass that follows sets it again or finds no emulated cap.
    return entry.split;
  }

  /**
   * For a station this replica holds no count for, whose shares a pass on another replica sent
   * through its socket: the count kept with the cap row, or no entry (no emulated cap). Returns
   * whether a connector known now lies beyond it (reported after that pass read its count).
   */
  async learn(stationId: string, read: () => Promise<{ split: number; known: number } | undefined>): Promise<boolean> {
    if (this.stations.has(stationId)) return false;
    const entry: Split = { seen: 0, passes: 0 };
    this.stations.set(stationId, entry);
    let kept: { split: number; known: number } | undefined;
    try {
      kept = await read();
    } finally {
      if (kept === undefined && this.stations.get(stationId) === entry && entry.split === undefined) this.stations.delete(stationId);
    }
    // A pass here set it meanwhile, with a newer read.
    if (kept === undefined || entry.split !== undefined || this.stations.get(stationId) !== entry) return false;
    entry.split = kept.split;
    entry.seen = Math.max(entry.seen, kept.known);
    return entry.seen > entry.split;
  }

  /**
   * Whether the connector lies beyond the count the station's cap was split over. True again for
   * every status until a pass splits over it (one that failed is thus retried at the next status);
   * the caller runs one re-split at a time (`connector-resplit.ts`).
   */
  reported(stationId: string, connectorId: number): boolean {
    const entry = this.stations.get(stationId);
    if (!entry) return false;
    entry.seen = Math.max(entry.seen, connectorId);
    return entry.split !== undefined && connectorId > entry.split;
  }

  /** A connector reported beyond the count since the last pass read it. */
  behind(stationId: string): boolean {
    const entry = this.stations.get(stationId);
    return entry?.split !== undefined && entry.seen > entry.split;
  }

  has(stationId: string): boolean {
    return this.stations.has(stationId);
  }

  passes(stationId: string): number {
    return this.stations.get(stationId)?.passes ?? 0;
  }

  forget(stationId: string): void {
    this.stations.delete(stationId);
  }
}
