import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What came of each extra-capacity request: per group and Taipei day, the reply (or its absence
 * by 16:10) compared hour by hour with what was asked, to calibrate future requests.
 */
export class Compliance1764900000000 implements MigrationInterface {
  name = 'Compliance1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE adjust_outcomes (
        group_id text NOT NULL, day date NOT NULL,
        -- 'replied' or 'no_reply'; a late reply may still replace 'no_reply', never the other way round
        kind text NOT NULL CHECK (kind IN ('replied', 'no_reply')),
        reply_request_id text,
        reply_received_at timestamptz,
        requested_kwh double precision NOT NULL,
        granted_kwh double precision NOT NULL,
        ratio double precision NOT NULL,
        extra_ratio double precision,
        hours jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (group_id, day)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS adjust_outcomes`);
  }
}
