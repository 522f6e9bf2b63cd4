import { InboundIds } from '@cpo/ocpp-protocol';

/** How long a disconnected station's recent CALL ids are kept for a reconnect. */
export const INBOUND_IDS_RETENTION_MS = 10 * 60_000;

/**
 * Recent inbound CALL ids per station, kept across reconnects (errata 2025-04 §3.1: a charger may
 * retransmit an unanswered CALL on its new connection), dropped once a station has been away for
 * the retention. One timer per station, holding only its id: a timer per disconnect kept the closed
 * session and its socket alive for the retention (memory growing with the reconnect rate), and an
 * older timer dropped the ids of a station that had reconnected and gone away again since.
 */
export class RecentInboundIds {
  private readonly ids = new Map<string, InboundIds>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(private readonly retentionMs = INBOUND_IDS_RETENTION_MS) {}

  /**
   * The station's ids, for a new connection of it: kept while it is connected. The connection is
   * counted: an id answered on an earlier one that comes back with another message is a new
   * message (a counter restarted), not a ProtocolError (InboundIds.begin).
   */
  of(stationId: string): InboundIds {
    this.cancelExpiry(stationId);
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
    this.cancelExpiry(stationId);
    const timer = setTimeout(() => {
      this.expiries.delete(stationId);
      this.ids.delete(stationId);
    }, this.retentionMs);
    timer.unref();
    this.expiries.set(stationId, timer);
  }

  get size(): number {
    return this.ids.size;
  }

  private cancelExpiry(stationId: string): void {
    const timer = this.expiries.get(stationId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.expiries.delete(stationId);
  }
}
