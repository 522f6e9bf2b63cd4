/**
 * At most one log line per station and interval for a condition a charger repeats with every
 * message: an unset clock stamps each MeterValues and StatusNotification until it is set, and some
 * chargers never set it, so a warning per message would be one per sample interval per charger, for
 * ever. The first occurrence is logged at once; later ones within the interval are counted, and the
 * count goes with the next line. Times are the messages' receipt times.
 */
export class StationLogThrottle {
  /** In the order of the stations' last lines (an entry is moved to the end when its station logs again). */
  private readonly last = new Map<string, { atMs: number; unlogged: number }>();

  /**
   * `maxStations`: the most stations remembered. Past it, the stations quiet for an interval go, and
   * while still full the one whose line is the oldest (its next occurrence is then logged early).
   * A hard bound: a scan of every entry per new station, keeping them all when none was quiet, let a
   * fleet larger than the bound grow the map and cost a full pass per new station.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly maxStations = 50_000,
  ) {}

  /** The number of occurrences left unlogged since the station's last line when this one is to be logged, else undefined (counted). */
  take(stationId: string, at: Date): number | undefined {
    const atMs = at.getTime();
    const entry = this.last.get(stationId);
    if (entry !== undefined && atMs - entry.atMs < this.intervalMs && atMs >= entry.atMs) {
      entry.unlogged++;
      return undefined;
    }
    if (entry !== undefined) this.last.delete(stationId);
    else if (this.last.size >= this.maxStations) this.forgetOldest(atMs);
    this.last.set(stationId, { atMs, unlogged: 0 });
    return entry?.unlogged ?? 0;
  }

  /** Stations remembered. */
  get size(): number {
    return this.last.size;
  }

  /** From the oldest line on: the quiet stations, and more while no room is left for one more. */
  private forgetOldest(atMs: number): void {
    for (const [id, e] of this.last) {
      if (this.last.size < this.maxStations && atMs - e.atMs < this.intervalMs) return;
      this.last.delete(id);
    }
  }
}

/** How often a charger's unset clock is logged per station and kind of message. */
export const UNSET_CLOCK_LOG_INTERVAL_MS = 15 * 60_000;
