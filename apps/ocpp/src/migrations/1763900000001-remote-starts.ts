import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Remote starts accepted by chargers, linked to the StartTransaction that follows or timed out (TC_011). */
export class RemoteStarts1763900000001 implements MigrationInterface {
  name = 'RemoteStarts1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE remote_starts (
        id bigserial PRIMARY KEY,
        station_id text NOT NULL, connector_id integer, id_tag text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('Requested','Accepted','Rejected','Started','TimedOut')),
        transaction_id integer, settled_at timestamptz
      )`);
    await q.query(`CREATE INDEX remote_starts_open ON remote_starts (station_id, id_tag) WHERE status IN ('Requested', 'Accepted')`);
    await q.query(`CREATE INDEX remote_starts_station ON remote_starts (station_id, requested_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS remote_starts`);
  }
}
