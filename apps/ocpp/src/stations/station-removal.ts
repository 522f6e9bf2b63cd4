import type { OutboxWriter } from '@cpo/messaging';
import { returnedRows } from '@cpo/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { publishReservationUpdates, UPDATED_COLUMNS, updateOf } from '../reservations/reservation-events.js';
import { LIVE_RESERVATION_STATUSES } from '../reservations/reservation.repository.js';
import { noTransactionStatusSql, statusComparedStartSql } from '../transactions/lost-stop.js';

/**
 * Deletes station `stationId` (DELETE /stations/{id}) with what would otherwise act on the stations
 * and drivers that remain, or be inherited by a station created again under its id, in one database
 * transaction. Returns false when no such station is stored (nothing is touched then).
 *
 * Kept: billing data and history (transactions, meter readings, messages, rejected frames, remote
 * starts, OCPI commands, ended reservations), as docs/ocpp.md's retention lists them. Gone by the
 * schema's cascades: connectors, local lists and their entries, availability requests, operator
 * profiles; the configuration, capabilities and keys are columns of the station row.
 */
export async function removeStation(db: DataSource, outbox: OutboxWriter, stationId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Locked first, so the session ends below read the connectors as the delete takes them.
    const [station] = (await tx.query(`SELECT id FROM stations WHERE id = $1 FOR UPDATE`, [stationId])) as unknown[];
    if (!station) return false;
    await endRunningSessions(tx, stationId);
    await endLiveReservations(tx, outbox, stationId);
    // Smart charging's per-station rows (no foreign key: a plan may come for a station not stored
    // yet): the grid profiles the old charger accepted, with their split counts, and the lease
    // fallbacks it was sent. Kept, a station created again showed them `applied`, and a pass took
    // them as what its charger holds. A plan arriving later stores its desired rows as for any station.
    await tx.query(`DELETE FROM charging_profiles WHERE station_id = $1`, [stationId]);
    await tx.query(`DELETE FROM lease_fallbacks WHERE station_id = $1`, [stationId]);
    await tx.query(`DELETE FROM stations WHERE id = $1`, [stationId]);
    return true;
  });
}

/**
 * The station's sessions without their StopTransaction end where the lost-stop rule
 * (`endedWithoutStopSql`) ends them now: at a later start on their connector, at a status there with
 * no transaction on it, else now, the deletion (a charger that is deleted sends no stop we would
 * take). Stamped in `stop_lost_at`, which that rule reads, as the connectors it read go with the
 * station: else a session running at the deletion ran for ever, its card `ConcurrentTx` at every
 * other station and the session active in the views. Not stopped: no meterStop, no `energyWh`
 * settled and no `ocpp.transaction.stopped`, as for any lost stop; the views show the session
 * `stopLost` with its energy so far (its readings, which are kept). A StopTransaction that still
 * comes (the station created again) stops it as usual.
 */
async function endRunningSessions(tx: EntityManager, stationId: string): Promise<void> {
  const laterStart = `(SELECT min(n.started_at) FROM transactions n WHERE n.station_id = t.station_id AND n.connector_id = t.connector_id
      AND n.orphan = false AND n.started_at > t.started_at)`;
  const idleStatus = `(SELECT c.status_at FROM connectors c WHERE c.station_id = t.station_id AND c.connector_id = t.connector_id
      AND ${noTransactionStatusSql('c', statusComparedStartSql('t'))} AND c.status_at > ${statusComparedStartSql('t', 'c')})`;
  await tx.query(
    `UPDATE transactions t SET stop_lost_at = LEAST(now(), ${laterStart}, ${idleStatus}), updated_at = now()
      WHERE t.station_id = $1 AND t.stopped_at IS NULL AND t.orphan = false AND t.stop_lost_at IS NULL`,
    [stationId],
  );
}

/**
 * The station's live reservations end: `Cancelled` (the operator ended them by deleting their
 * station; published as any cancellation), or `Expired` past their expiry (as on read, not
 * published). Left live, each held its id against every other station (409 "held at another
 * station") and came back with a station created again under the id. A `Requested` one ends too:
 * the charger's answer, if it still comes, settles nothing (settleRequested takes only a live row).
 * Locked in id order, as ReservationRepository's updates lock them.
 */
async function endLiveReservations(tx: EntityManager, outbox: OutboxWriter, stationId: string): Promise<void> {
  const ended = returnedRows<Record<string, unknown>>(await tx.query(
    `WITH live AS (SELECT id, expiry_date <= now() AS expired FROM reservations WHERE station_id = $1 AND status = ANY($2::text[]) ORDER BY id FOR UPDATE)
     UPDATE reservations r SET status = CASE WHEN live.expired THEN 'Expired' ELSE 'Cancelled' END, replaced = NULL, updated_at = now()
     FROM live WHERE r.id = live.id
     RETURNING ${UPDATED_COLUMNS}`,
    [stationId, [...LIVE_RESERVATION_STATUSES]],
  ));
  await publishReservationUpdates(outbox, tx, ended.map(updateOf));
}
