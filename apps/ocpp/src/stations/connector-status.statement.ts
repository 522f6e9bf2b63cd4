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
  /** The time of record: the charger's stamp, or the receipt time when `byReceipt` (see statusTime, time.ts). */
  statusAt: Date;
  byReceipt: boolean;
  receivedAt: Date;
}

/**
 * Connector statuses of a batch as CTEs of one statement (parameters from `firstParam`): `<prefix>_fresh`
 * lists the 1-based positions of the notifications that are not older than the stored status nor an
 * earlier one of the batch for the same connector; the newest fresh one per connector is upserted (never
 * over a newer row). "Older" compares like with like (docs/ocpp.md): a charger's stamp with the stamps
 * before it (a status overtaken by a later-stamped one is stale), and with a status that had none by
 * its own receipt: stamp against receipt compares two clocks, and a charger clock behind UTC made
 * every stamped status look older than the unstamped one before it. A stamp older than the stored
 * time of record takes its receipt time (`as_receipt`): times of record, and the events' timestamps
 * consumers order by, never go back for a connector; its stamp is kept to order the next stamps.
 * Within a batch a stamp is held against the earlier rows' receipts (a time of record is never after
 * its receipt), not their stamps: an earlier row may have been recorded at its receipt.
 * Stamps are ordered within a boot of the station (`stations.booted_at`, a reboot's receipt): a
 * charger's clock may come back from a reboot days behind (its last saved time, an image's build
 * date: after 2010, so no unset clock), and every status it stamped was dropped as overtaken. A
 * status received since the boot goes by its receipt against one received before it (arrival order,
 * as against an unstamped one), and one received before the boot (a replica committing it late) is
 * older than one received since. Within a batch, rows are not told apart by boot: the charger's
 * statuses before a boot are answered before it sends the boot.
 * The stored rows are read `FOR UPDATE` in key order: a concurrent batch (another
 * replica, a replaced connection) touching the same connector waits, and the lock returns the row as
 * that batch committed it, so its status is compared against the newest one, as with a transaction.
 * The lookup is a LATERAL primary-key probe per connector on purpose: the statement is prepared, and
 * with its generic plan (PostgreSQL guesses 100 rows for a JSON parameter) an `IN (...)` became a
 * hash join over a sequential scan of every connector, for each batch.
 * A stamped notification equal to the stored one, stamp and every field, is the same fact resent (its
 * answer was lost, and the charger resent it on a new connection, perhaps to another replica, whose
 * message-id memory never saw it): not fresh, so neither stored nor published again. An unstamped one
 * cannot be told from a real repeat and stays fresh.
 */
export function connectorStatusesStatement(rows: ConnectorStatusRow[], firstParam: number, prefix = 'st'): { ctes: string; params: unknown[] } {
  const p = (k: number) => `$${firstParam + k}`;
  const earlier = (column: string, filter = '') =>
    `max(k.${column}) ${filter}OVER (PARTITION BY k.station_id, k.connector_id ORDER BY k.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`;
  return {
    ctes: `${prefix}_in AS (
         SELECT k.*, ${earlier('stamp_at')} AS earlier_stamp_at, ${earlier('status_at')} AS earlier_at, ${earlier('received_at')} AS earlier_received_at,
                ${earlier('status_at', 'FILTER (WHERE k.stamp_at IS NULL) ')} AS earlier_unstamped_at
           FROM json_to_recordset(${p(0)}::json)
             AS k(station_id text, connector_id int, status text, error_code text, info text, vendor_id text, vendor_error_code text,
                  status_at timestamptz, stamp_at timestamptz, received_at timestamptz, ord bigint)),
       ${prefix}_locked AS (
         SELECT c.*
           FROM (SELECT DISTINCT station_id, connector_id FROM ${prefix}_in ORDER BY station_id, connector_id) k
           CROSS JOIN LATERAL (SELECT c.station_id, c.connector_id, c.status_at, c.status_stamp_at, c.status_received_at, c.status, c.error_code, c.info, c.vendor_id, c.vendor_error_code,
                                      (SELECT s.booted_at FROM stations s WHERE s.id = c.station_id) AS booted_at
                                 FROM connectors c
                                WHERE c.station_id = k.station_id AND c.connector_id = k.connector_id FOR UPDATE) c),
       ${prefix}_fresh AS (
         SELECT i.*, i.stamp_at IS NOT NULL AND i.stamp_at < COALESCE(GREATEST(c.status_at, i.earlier_received_at), '-infinity') AS as_receipt
           FROM ${prefix}_in i LEFT JOIN ${prefix}_locked c ON c.station_id = i.station_id AND c.connector_id = i.connector_id
           -- Which side of the station's boot each was received on; a stored stamp of another boot orders nothing.
           CROSS JOIN LATERAL (SELECT COALESCE(c.status_received_at, c.status_at) < c.booted_at AS stored_before, i.received_at < c.booted_at AS this_before) b
           CROSS JOIN LATERAL (SELECT CASE WHEN b.stored_before AND NOT b.this_before THEN NULL ELSE c.status_stamp_at END AS stamp_at) s
          WHERE NOT COALESCE(b.this_before AND NOT b.stored_before, false)
            AND COALESCE(i.stamp_at, 'infinity') >= COALESCE(GREATEST(s.stamp_at, i.earlier_stamp_at), '-infinity')
            AND i.received_at >= COALESCE(CASE WHEN i.stamp_at IS NULL THEN GREATEST(c.status_at, i.earlier_at)
                                               ELSE GREATEST(CASE WHEN s.stamp_at IS NULL THEN c.status_at END, i.earlier_unstamped_at) END, '-infinity')
            AND NOT COALESCE(i.stamp_at = c.status_stamp_at AND i.status = c.status AND i.error_code = c.error_code AND i.info IS NOT DISTINCT FROM c.info
                             AND i.vendor_id IS NOT DISTINCT FROM c.vendor_id AND i.vendor_error_code IS NOT DISTINCT FROM c.vendor_error_code, false)),
       ${prefix}_up AS (
         INSERT INTO connectors AS c (station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, status_at, status_stamp_at, status_received_at)
         SELECT DISTINCT ON (station_id, connector_id) station_id, connector_id, status, error_code, info, vendor_id, vendor_error_code,
                CASE WHEN as_receipt THEN received_at ELSE status_at END, stamp_at, received_at
           FROM ${prefix}_fresh ORDER BY station_id, connector_id, ord DESC
         ON CONFLICT (station_id, connector_id) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code, info = EXCLUDED.info,
           vendor_id = EXCLUDED.vendor_id, vendor_error_code = EXCLUDED.vendor_error_code, status_at = EXCLUDED.status_at,
           status_stamp_at = EXCLUDED.status_stamp_at, status_received_at = EXCLUDED.status_received_at, updated_at = now()
         -- The same rule against a row a concurrent batch inserted meanwhile (a new connector has no row to lock).
         WHERE (c.status_stamp_at IS NULL OR EXCLUDED.status_stamp_at IS NULL OR c.status_stamp_at <= EXCLUDED.status_stamp_at
                OR COALESCE(c.status_received_at, c.status_at) < (SELECT s.booted_at FROM stations s WHERE s.id = c.station_id AND s.booted_at <= EXCLUDED.status_received_at))
           AND ((c.status_stamp_at IS NOT NULL AND EXCLUDED.status_stamp_at IS NOT NULL) OR c.status_at <= EXCLUDED.status_received_at))`,
    // One JSON parameter (as for meter values): ten array literals cost pg more JS to build and escape.
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
          stamp_at: r.byReceipt ? null : r.statusAt,
          received_at: r.receivedAt,
          ord: i + 1,
        })),
      ),
    ],
  };
}
