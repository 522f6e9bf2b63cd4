import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each eMSP's reservations went: CANCEL_RESERVATION names only the reservation id, so
 * without OCPI-to-* headers (2.1.1 eMSPs, open routing) the hub finds the CPO — and for the
 * platform's own chargers the station — its RESERVE_NOW was routed to. Reservation ids are unique
 * only within their eMSP, hence the key.
 */
export class ReservationRoutes1733400000000 implements MigrationInterface {
  name = 'ReservationRoutes1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ocpi_reservation_route (
        emsp_country_code text NOT NULL,
        emsp_party_id text NOT NULL,
        reservation_id text NOT NULL,
        cpo_country_code text NOT NULL,
        cpo_party_id text NOT NULL,
        location_id text NOT NULL,
        evse_uid text,
        station_id text,
        connector_id int,
        reserved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (emsp_country_code, emsp_party_id, reservation_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ocpi_reservation_route`);
  }
}
