/**
 * Connector statuses that hold no transaction (OCPP 1.6 §7.7): `Available`, `Preparing`,
 * `Reserved`, and `Finishing`, which is "a transaction has stopped" with the cable still in (a car
 * left plugged overnight). SQL list. `Unavailable` is not among them: see `noTransactionStatusSql`.
 */
export const NO_TRANSACTION_STATUSES = `('Available', 'Preparing', 'Reserved', 'Finishing')`;

/**
 * SQL condition: the connector row aliased `c` reports a status that holds no transaction started
 * at `startedAt` (an SQL expression). `Unavailable` counts only where it follows what ends a
 * session: a reboot of the station since the start (one rebooted by a Reset comes back Unavailable
 * when an Inoperative setting persisted, its stop possibly lost), or an Inoperative
 * ChangeAvailability for the connector or the whole station since the start (answered `Scheduled`,
 * the charger reports Unavailable only once the transaction has ended, §5.2). Alone it does not:
 * the spec lets a charger use it "for other purposes" (§4.9) and some report it while a session is
 * suspended, which then still runs; taken as its end, the card was freed of ConcurrentTx while
 * charging, the view showed the session over and its clock-aligned readings went to no session.
 * Not `Faulted`: a transaction may outlive a fault. Only an Unavailable row evaluates the EXISTS.
 * Not bounded by the status's own time: that is the charger's stamp, the boot and the request ours.
 */
export function noTransactionStatusSql(c: string, startedAt: string): string {
  return `(${c}.status IN ${NO_TRANSACTION_STATUSES}
      OR (${c}.status = 'Unavailable'
          AND (EXISTS (SELECT 1 FROM stations s WHERE s.id = ${c}.station_id AND s.booted_at > ${startedAt})
            OR EXISTS (SELECT 1 FROM availability_requests a WHERE a.station_id = ${c}.station_id AND a.connector_id IN (0, ${c}.connector_id)
                         AND a.type = 'Inoperative' AND a.status NOT IN ('Rejected', 'Failed') AND a.requested_at > ${startedAt}))))`;
}

/**
 * SQL: the start of the transaction aliased `t` as a connector status's time is compared with: its
 * time of record, but not later than its receipt (`created_at`, set in the start's database
 * transaction, after the receipt and before the answer). A start stamped minutes ahead is taken as
 * sent (AHEAD_TOLERANCE_MS, time.ts) while that charger's statuses, stamped ahead of their receipt,
 * are recorded at receipt (statusTime): compared with the stamp, no status in the minutes after
 * such a start ended a session whose stop was lost (its card refused ConcurrentTx meanwhile). A
 * status received before the start is before its receipt still; the charger sends none while
 * its StartTransaction awaits the answer (one CALL at a time).
 * Given the connector row `c`, a status recorded at its receipt (no usable stamp, or one older than
 * the stored time of record) is held against the start's receipt alone: receipt against receipt is
 * arrival order. Against the stamp of a clock behind UTC, a `Preparing` received before the start
 * came after it, and the session showed `stopLost` until the charger's next status.
 */
export function statusComparedStartSql(t: string, c?: string): string {
  const start = `LEAST(${t}.started_at, ${t}.created_at)`;
  // A stamped status against a start corrected by its connection's clock offset (clock-offset.ts):
  // the start as sent (`start_sent_at`, hours behind like the status's stamp), or the Available
  // after it compared as before it and the lost stop was never seen. LEAST skips a NULL; an ahead
  // start's `start_sent_at` lies after its time of record and changes nothing.
  return c === undefined ? start : `CASE WHEN ${c}.status_at = ${c}.status_received_at THEN ${t}.created_at ELSE LEAST(${t}.started_at, ${t}.created_at, ${t}.start_sent_at) END`;
}

/**
 * SQL condition: the transaction aliased `t`, if its StopTransaction never came (a charger discards
 * it after its retries, OCPP 1.6 §3.7.1), was over by `until` (a timestamptz expression;
 * `'infinity'` for now): a connector holds one transaction at a time, so one counts as ended once a
 * later transaction started on its connector, or the connector reported a status with no
 * transaction on it since its start. One rule for ConcurrentTx, the operator's view and their
 * readers, so a card is never refused for a session the view shows as over, or the other way round.
 * A session its station's deletion found running ended where `stop_lost_at` says (station-removal.ts):
 * the connectors this rule reads went with the station.
 */
export function endedWithoutStopSql(t: string, until: string): string {
  // IS NOT NULL: a bare comparison with a null column is NULL, not false, and a caller's `NOT` of
  // the condition would then drop every session the other two do not end.
  return `((${t}.stop_lost_at IS NOT NULL AND ${t}.stop_lost_at <= ${until})
      OR EXISTS (SELECT 1 FROM transactions n WHERE n.station_id = ${t}.station_id AND n.connector_id = ${t}.connector_id AND n.orphan = false
                     AND n.started_at > ${t}.started_at AND n.started_at <= ${until})
      OR EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = ${t}.station_id AND c.connector_id = ${t}.connector_id
                   AND ${noTransactionStatusSql('c', statusComparedStartSql(t))} AND c.status_at > ${statusComparedStartSql(t, 'c')} AND c.status_at <= ${until}))`;
}
