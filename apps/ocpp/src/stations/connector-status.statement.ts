import { toJsonParameter } from '@cpo/messaging';

/** One StatusNotification as the group commit writes it. */
export interface ConnectorStatusRow {
  stationId: string;
  connectorId: number;
  status: string;
  errorCode: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  statusAt: Date;
}

/**
 * Connector statuses of a batch as CTEs of one statement (parameters from `firstParam`): `<prefix>_fresh`
 * lists the 1-based positions of the notifications that are not older than the stored status nor an
 * earlier one of the batch for the same connector; the newest fresh one per connector is upserted (never
 * over a newer row). The stored rows are read `FOR UPDATE` in key order: a concurrent batch (another
 * replica, a replaced connection) touching the same connector waits, and the lock returns the row as
 * that batch committed it, so its status is compared against the newest one, as with a transaction.
 * The lookup is a LATERAL primary-key probe per connector on purpose: the statement is prepared, and
 * with its generic plan (PostgreSQL guesses 100 rows for a JSON parameter) an `IN (...)` became a
 * hash join over a sequential scan of every connector, for each batch.
 */
export function connectorStatusesStatement(rows: ConnectorStatusRow[], firstParam: number, prefix = 'st'): { ctes: string; params: unknown[] } {
  const p = (k: number) => `$${firstParam + k}`;
  return {
    ctes: `${prefix}_in AS (
         SELECT k.*, max(k.status_at) OVER (PARTITION BY k.station_id, k.connector_id ORDER BY k.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_at
           FROM json_to_recordset(${p(0)}::json)
             AS k(station_id text, connector_id int, status text, error_code text, info text, vendor_id text, vendor_error_code text, status_at timestamptz, ord bigint)),
       ${prefix}_locked AS (
         SELECT c.station_id, c.connector_id, c.status_at
           FROM (SELECT DISTINCT station_id, connector_id FROM ${prefix}_in ORDER BY station_id, connector_id) k
           CROSS JOIN LATERAL (SELECT c.station_id, c.connector_id, c.status_at FROM connectors c
                                WHERE c.station_id = k.station_id AND c.connector_id = k.connector_id FOR UPDATE) c),
       ${prefix}_fresh AS (
         SELECT i.* FROM ${prefix}_in i LEFT JOIN ${prefix}_locked c ON c.station_id = i.station_id AND c.connector_id = i.connector_id
          WHERE i.status_at >= COALESCE(GREATEST(c.status_at, i.earlier_at), '-infinity')),
       ${prefix}_up AS (
         INSERT INTO connectors AS c (station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, status_at)
         SELECT DISTINCT ON (station_id, connector_id) station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, status_at
           FROM ${prefix}_fresh ORDER BY station_id, connector_id, ord DESC
         ON CONFLICT (station_id, connector_id) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info,
           vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code, status_at = EXCLUDED.status_at, updated_at = now()
         WHERE c.status_at <= EXCLUDED.status_at)`,
    // One JSON parameter (as for meter values): eight array literals cost pg more JS to build and escape.
    params: [
      toJsonParameter(
        rows.map((r, i) => ({
          station_id: r.stationId,
          connector_id: r.connectorId,
          status: r.status,
          error_code: r.errorCode,
          info: r.info ?? null,
          vendor_id: r.vendorId ?? null,
          vendor_error_code: r.vendorErrorCode ?? null,
          status_at: r.statusAt,
          ord: i + 1,
        })),
      ),
    ],
  };
}
