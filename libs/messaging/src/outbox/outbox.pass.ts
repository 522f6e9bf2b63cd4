import type pg from 'pg';
import type { Logger } from 'pino';
import type { MessagingMetrics } from '../metrics.js';
import type { OutboxRow } from './outbox.relay.js';
import type { RowBackoff } from './row-backoff.js';

/** What one relay pass over an outbox table needs from the relay (see OutboxRelay.drainOnce). */
export interface RelayPassDeps {
  /** A connection of the relay's pool, released when the pass ends. */
  client: pg.PoolClient;
  /** Rows per pass (a packed row holds up to hundreds of events). */
  rowsPerPass: number;
  /**
   * The relay's ` AND ...` filter, else '': rows older than the grace when a fast path publishes
   * fresh rows, or rows up to a seq while the fast path waits for the relay (FastPathHandoff).
   */
  freshFilter: string;
  deletePublished: boolean;
  /** The relay's publisher: settles per row, in order. */
  publishAll(rows: OutboxRow[]): Promise<PromiseSettledResult<unknown>[]>;
  metrics: MessagingMetrics;
  logger: Logger;
  afterPublish?: (eventIds: string[]) => Promise<void>;
  /** The relay's per-row back-off for this table (rows that keep failing wait, see RowBackoff). */
  backoff?: RowBackoff;
}

/** What one pass did; `selected` (rows read, fewer than rowsPerPass: it reached the end) for the fast path's hand-off. */
export interface RelayPassResult {
  published: number;
  failed: number;
  selected: number;
}
