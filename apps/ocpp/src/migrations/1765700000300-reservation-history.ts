import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reservations keep their history. Chargers' reservation ids are reused (an operator's explicit
 * id, an OCPI reservation sent again); a ReserveNow with a known id replaces the reservation the
 * charger holds (OCPP 1.6 §5.13), but one that has ended (Used by a transaction, Cancelled,
 * Expired, refused) is history: keyed by the id alone, its row was overwritten and the Used one
 * lost the link to its transaction. Rows get their own key; the id stays unique only among the
 * reservations still live (the statuses of LIVE_RESERVATION_STATUSES), the one a lookup by
 * (station, reservation id) means.
 */
export class ReservationHistory1765700000300 implements MigrationInterface {
  name = 'ReservationHistory1765700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations ADD COLUMN id bigserial`);
    await q.query(`ALTER TABLE reservations DROP CONSTRAINT reservations_pkey`);
    await q.query(`ALTER TABLE reservations ADD PRIMARY KEY (id)`);
    await q.query(`CREATE UNIQUE INDEX reservations_live ON reservations (reservation_id) WHERE status IN ('Requested', 'Accepted', 'TimedOut')`);
    await q.query(`CREATE INDEX reservations_by_id ON reservations (reservation_id, station_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to one row per id: the newest of each stays, the history before it is dropped.
    await q.query(`DELETE FROM reservations r WHERE EXISTS (SELECT 1 FROM reservations n WHERE n.reservation_id = r.reservation_id AND n.id > r.id)`);
    await q.query(`DROP INDEX reservations_by_id`);
    await q.query(`DROP INDEX reservations_live`);
    await q.query(`ALTER TABLE reservations DROP CONSTRAINT reservations_pkey`);
    await q.query(`ALTER TABLE reservations ADD PRIMARY KEY (reservation_id)`);
    await q.query(`ALTER TABLE reservations DROP COLUMN id`);
  }
}
