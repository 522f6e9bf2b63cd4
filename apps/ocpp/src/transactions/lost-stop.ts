/**
 * Connector statuses that hold no transaction (OCPP 1.6 §7.7): `Available`, `Preparing`,
 * `Reserved`, and `Finishing`, which is "a transaction has stopped" with the cable still in (a car
 * left plugged overnight). Also `Unavailable`: a charger answers a ChangeAvailability to Inoperative
 * `Scheduled` while a transaction runs and reports Unavailable only once it has ended (§5.2), and
 * one rebooted by a Reset comes back Unavailable when that setting persisted. Without it, a session
 * whose stop the reboot lost stayed active, and its card `ConcurrentTx` everywhere. Not `Faulted`:
 * a transaction may outlive a fault. SQL list.
 */
export const NO_TRANSACTION_STATUSES = `('Available', 'Preparing', 'Reserved', 'Finishing', 'Unavailable')`;

/**
 * SQL condition: the transaction aliased `t`, if its StopTransaction never came (a charger discards
 * it after its retries, OCPP 1.6 §3.7.1), was over by `until` (a timestamptz expression;
 * `'infinity'` for now): a connector holds one transaction at a time, so one counts as ended once a
 * later transaction started on its connector, or the connector reported a status with no
 * transaction on it since its start. One rule for ConcurrentTx, the operator's view and their
 * readers, so a card is never refused for a session the view shows as over, or the other way round.
 */
export function endedWithoutStopSql(t: string, until: string): string {
  return `(EXISTS (SELECT 1 FROM transactions n WHERE n.station_id = ${t}.station_id AND n.connector_id = ${t}.connector_id AND n.orphan = false
                     AND n.started_at > ${t}.started_at AND n.started_at <= ${until})
      OR EXISTS (SELECT 1 FROM connectors c WHERE c.station_id = ${t}.station_id AND c.connector_id = ${t}.connector_id
                   AND c.status IN ${NO_TRANSACTION_STATUSES} AND c.status_at > ${t}.started_at AND c.status_at <= ${until}))`;
}
