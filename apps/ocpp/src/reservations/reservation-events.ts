import { Subjects, type OcppReservationStatus, type OcppReservationUpdated } from '@cpo/contracts';
import type { OutboxWriter } from '@cpo/messaging';
import type { EntityManager } from 'typeorm';

/** The columns a reservation UPDATE/INSERT returns for its event (`r` = the reservations row). */
export const UPDATED_COLUMNS = `r.reservation_id, r.station_id, r.connector_id, r.id_tag, r.parent_id_tag, r.expiry_date, r.status, r.transaction_id`;

/** A reservation's new status with the terms it is about. */
export interface ReservationUpdate {
  stationId: string;
  reservationId: number;
  connectorId: number;
  idTag: string;
  parentIdTag?: string | null;
  expiryDate: Date;
  status: string;
  transactionId?: number | null;
}

/** A row returned with {@link UPDATED_COLUMNS}. */
export function updateOf(r: Record<string, unknown>): ReservationUpdate {
  return {
    stationId: r['station_id'] as string,
    reservationId: Number(r['reservation_id']),
    connectorId: Number(r['connector_id']),
    idTag: r['id_tag'] as string,
    parentIdTag: (r['parent_id_tag'] as string | null) ?? null,
    expiryDate: new Date(r['expiry_date'] as Date | string),
    status: r['status'] as string,
    transactionId: r['transaction_id'] == null ? null : Number(r['transaction_id']),
  };
}

/** The `ocpp.reservation.updated` payload of an update. */
export function reservationUpdatedEvent(u: ReservationUpdate, updatedAt: Date): OcppReservationUpdated {
  return {
    stationId: u.stationId,
    reservationId: u.reservationId,
    connectorId: u.connectorId,
    idTag: u.idTag,
    ...(u.parentIdTag ? { parentIdTag: u.parentIdTag } : {}),
    expiryDate: u.expiryDate.toISOString(),
    status: u.status as OcppReservationStatus,
    ...(u.status === 'Used' && u.transactionId != null ? { transactionId: u.transactionId } : {}),
    updatedAt: updatedAt.toISOString(),
  };
}

/**
 * Enqueues the updates in `tx`, the transaction that made them. Validated by the writer: a
 * ReserveNow answer outside OCPP's ReservationStatus (a lenient charger's) would fail the commit,
 * so the few statuses the contract has no name for are not published (the view still shows them).
 */
export async function publishReservationUpdates(outbox: OutboxWriter, tx: EntityManager, updates: readonly ReservationUpdate[]): Promise<void> {
  const publishable = updates.filter((u) => PUBLISHED.has(u.status) && u.idTag !== '');
  if (publishable.length === 0) return;
  const at = new Date();
  await outbox.enqueueMany(tx, publishable.map((u) => ({ subject: Subjects.OcppReservationUpdated, payload: reservationUpdatedEvent(u, at) })));
}

const PUBLISHED = new Set<string>(['Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable', 'Failed', 'TimedOut', 'Cancelled', 'NotHeld', 'Used']);
