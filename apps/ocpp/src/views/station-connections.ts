import type { Presence } from '../connection/presence-store.js';
import { PresenceUnavailableError } from '../connection/presence-store.js';

/** What a station view shows of its connection: the presence record, and whether it could be read. */
export interface ConnectionView {
  connection: Presence | null;
  /** false: presence (Redis) could not be read; `connection` is then null and says nothing. */
  connection_known: boolean;
}

/**
 * The connections of these stations, in order. The station data lives in the database and is
 * served without Redis: while presence cannot be read, each connection is shown as unknown rather
 * than the whole view failing (or, worse, every station shown as not connected).
 */
export async function connectionsOf(read: (stationIds: string[]) => Promise<(Presence | undefined)[]>, stationIds: string[]): Promise<ConnectionView[]> {
  try {
    const presence = await read(stationIds);
    return stationIds.map((_, i) => ({ connection: presence[i] ?? null, connection_known: true }));
  } catch (err) {
    if (!(err instanceof PresenceUnavailableError)) throw err;
    return stationIds.map(() => ({ connection: null, connection_known: false }));
  }
}
