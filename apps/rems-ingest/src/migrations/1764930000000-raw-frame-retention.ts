import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A BRIN index on raw_frame.received_at for the retention job: frames arrive in time order, so a
 * block-range index a few pages large finds the old ones, where a B-tree would cost every ingest
 * insert another index update.
 */
export class RawFrameRetention1764930000000 implements MigrationInterface {
  name = 'RawFrameRetention1764930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS raw_frame_received_brin ON raw_frame USING brin (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS raw_frame_received_brin`);
  }
}
