import { Injectable } from '@nestjs/common';
import { OutboxWriter } from '@cpo/messaging';
import { returnedRows } from '@cpo/platform';
import { DataSource } from 'typeorm';
import { publishReservationUpdates, UPDATED_COLUMNS, updateOf } from './reservation-events.js';
import type { ReservationTerms } from './reservation.repository.js';

/** A reservation the station held (or may have) under its id, with the terms it was accepted with. */
export interface HeldTerms extends ReservationTerms {
  reservationId: number;
}

/**
 * The reservations of a station whose unit was replaced (ReservationResend, SQL): those the old
 * unit held (`Accepted`) or may have (`TimedOut`), not past their expiry, to be sent to the new one.
 */
@Injectable()
export class ReservationResendRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Held before `bootAt` (one the new unit accepted since is its own), in the order they were made. */
  async heldBefore(stationId: string, bootAt: Date): Promise<HeldTerms[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT reservation_id, connector_id, id_tag, parent_id_tag, expiry_date FROM reservations
        WHERE station_id = $1 AND status IN ('Accepted', 'TimedOut') AND expiry_date > now() AND updated_at <= $2 ORDER BY id`,
      [stationId, bootAt],
    );
    return rows.map((r) => ({
      reservationId: Number(r['reservation_id']),
      connectorId: Number(r['connector_id']),
      idTag: r['id_tag'] as string,
      ...(r['parent_id_tag'] == null ? {} : { parentIdTag: r['parent_id_tag'] as string }),
      expiryDate: new Date(r['expiry_date'] as Date | string),
    }));
  }

  /**
   * Moves the reservation `held` names, if it is still held with those terms and not expired, to
   * `status`: `Requested` as it is sent to the new unit (nothing of the old unit's to restore on a
   * refusal: `replaced` cleared), or `Failed` when it could not be sent (published, as every outcome).
   * Returns whether it moved: one ended, used or replaced meanwhile is left alone.
   */
  async take(stationId: string, held: HeldTerms, status: 'Requested' | 'Failed'): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = returnedRows<Record<string, unknown>>(await tx.query(
        `UPDATE reservations r SET status = $7, replaced = NULL, updated_at = now()
          WHERE reservation_id = $1 AND station_id = $2 AND status IN ('Accepted', 'TimedOut') AND expiry_date > now()
            AND connector_id = $3 AND id_tag = $4 AND parent_id_tag IS NOT DISTINCT FROM $5 AND expiry_date = $6
          RETURNING ${UPDATED_COLUMNS}`,
        [held.reservationId, stationId, held.connectorId, held.idTag, held.parentIdTag ?? null, held.expiryDate, status],
      ));
      await publishReservationUpdates(this.outbox, tx, rows.map(updateOf));
      return rows.length > 0;
    });
  }
}
