import { InboundIds } from '@cpo/ocpp-protocol';

/** How long a disconnected station's recent CALL ids are kept for a reconnect. */
export const INBOUND_IDS_RETENTION_MS = 10 * 60_000;

/**
 * Recent inbound CALL ids per station, kept across reconnects (errata 2025-04 §3.1: a charger may
 * retransmit an unanswered CALL on its new connection), dropped once a station has been away for
 * the retention. A gone station keeps only what its next connection uses (InboundIds.away), and
 * all of them share one timer: a reconnect storm of 10,000 stations pinned ≈ 50 MB for the
 * retention with whole histories and a timer each, ≈ 5 MB now. A timer per disconnect once kept
 * the closed session and its socket alive for the retention, and an older one dropped the ids of
 * a station that had reconnected and gone away again since: the expiry is per departure, the latest.
 */
export class RecentInboundIds {
  private readonly ids = new Map<string, InboundIds>();
  /** Gone stations in the order they went, so by expiry (each departure moves one to the end): when its ids go, epoch ms. */
  private readonly gone = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly retentionMs = INBOUND_IDS_RETENTION_MS) {}

  /**
   * The station's ids, for a new connection of it: kept while it is connected. The connection is
   * counted: an id answered on an earlier one that comes back with another message is a new
   * message (a counter restarted), not a ProtocolError (InboundIds.begin).
   */
  of(stationId: string): InboundIds {
    this.gone.delete(stationId);
    let ids = this.ids.get(stationId);
    if (!ids) {
      ids = new InboundIds();
      this.ids.set(stationId, ids);
    }
    ids.connected();
    return ids;
  }

  /** The station has no connection here any more: its ids go after the retention unless it is back by then. */
  away(stationId: string): void {
    this.ids.get(stationId)?.away();
    this.gone.delete(stationId);
    this.gone.set(stationId, Date.now() + this.retentionMs);
    if (this.timer === undefined) this.schedule();
  }

  get size(): number {
    return this.ids.size;
  }

  /** For the first expiry, if any: a station back by then leaves the timer to fire for nothing and be set again. */
  private schedule(): void {
    const first = this.gone.values().next();
    if (first.done === true) return;
    this.timer = setTimeout(() => this.expire(), Math.max(1, first.value - Date.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [stationId, expiresAt] of this.gone) {
      if (expiresAt > now) break;
      this.gone.delete(stationId);
      this.ids.delete(stationId);
    }
    this.schedule();
  }
}
