import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `availability_requests`: the ChangeAvailability commands a station got and what it answered. A
 * `Scheduled` answer (a transaction runs) was only in the command's reply, so nobody could tell
 * that a connector is to go out of service when its session ends, nor that a charger never did.
 */
export class AvailabilityRequests1766000003600 implements MigrationInterface {
  name = 'AvailabilityRequests1766000003600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE availability_requests (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL REFERENCES stations(id) ON DELETE CASCADE,
        connector_id integer NOT NULL CHECK (connector_id >= 0),
        type text NOT NULL,
        status text NOT NULL CHECK (status IN ('Requested', 'Accepted', 'Scheduled', 'Rejected', 'Failed', 'TimedOut')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz
      )`);
    await q.query(`CREATE INDEX availability_requests_latest ON availability_requests (station_id, connector_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS availability_requests`);
  }
}
