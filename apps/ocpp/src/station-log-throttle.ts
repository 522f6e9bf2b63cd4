/**
 * At most one log line per station and interval for a condition a charger repeats with every
 * message: an unset clock stamps each MeterValues and StatusNotification until it is set, and some
 * chargers never set it, so a warning per message would be one per sample interval per charger, for
 * ever. The first occurrence is logged at once; later ones within the interval are counted, and the
 * count goes with the next line. Times are the messages' receipt times.
 */
export class StationLogThrottle {
  private readonly last = new Map<string, { atMs: number; unlogged: number }>();

  /** `maxStations`: past it, stations not seen for an interval are forgotten (each holds one entry). */
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
    if (entry === undefined && this.last.size >= this.maxStations) {
      for (const [id, e] of this.last) if (atMs - e.atMs >= this.intervalMs) this.last.delete(id);
    }
    this.last.set(stationId, { atMs, unlogged: 0 });
    return entry?.unlogged ?? 0;
  }
}

/** How often a charger's unset clock is logged per station and kind of message. */
export const UNSET_CLOCK_LOG_INTERVAL_MS = 15 * 60_000;
