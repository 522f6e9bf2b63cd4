import { Injectable } from '@nestjs/common';

/**
 * The connector count each station's emulated cap was last split over by a pass on this replica
 * (`emulated-cap.ts`), against which every StatusNotification is compared in memory: the status hot
 * path costs no query. Only stations whose cap is emulated have an entry. A status beyond the count
 * (`NumberOfConnectors` unknown or wrong, and no plan naming that connector) means the shares sent
 * sum to more than the cap; a pass on this replica, the one holding the socket, sends them again
 * (`connector-resplit.ts`).
 * A pass on another replica (a plan consumed there) is not seen here; the socket's own passes
 * (connect, boot, retry) set the count.
 */
@Injectable()
export class ConnectorSplits {
  private readonly stations = new Map<string, { split?: number; seen: number }>();

  /**
   * The count a pass splits the cap over: `read` (from the database), raised to any connector that
   * reported while it was read (its status may have committed after the read, its notice come
   * before the count was set here). Statuses after it are compared with the count by `beyond`.
   */
  async over(stationId: string, read: () => Promise<number>): Promise<number> {
    if (!this.stations.has(stationId)) this.stations.set(stationId, { seen: 0 });
    const n = await read();
    const entry = this.stations.get(stationId)!;
    entry.split = Math.max(n, entry.seen);
    return entry.split;
  }

  /** Whether the connector lies beyond the count the station's cap was split over; counted in at once, so its next statuses are not. */
  beyond(stationId: string, connectorId: number): boolean {
    const entry = this.stations.get(stationId);
    if (!entry) return false;
    entry.seen = Math.max(entry.seen, connectorId);
    if (entry.split === undefined || connectorId <= entry.split) return false;
    entry.split = connectorId;
    return true;
  }
}
