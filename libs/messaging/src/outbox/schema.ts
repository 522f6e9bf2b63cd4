import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DDL of the messaging tables every service owns in its own database: the
 * outbox (events committed with state, waiting to be published) and the inbox
 * (event ids a durable consumer has already applied). Each app calls these
 * from a migration of its own, so its schema history stays its own.
 */
export const messagingSchema = {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        seq            bigserial PRIMARY KEY,
        id             uuid NOT NULL UNIQUE,
        subject        text NOT NULL,
        schema_version integer NOT NULL,
        payload        json NOT NULL,
        correlation_id text,
        source         text NOT NULL,
        occurred_at    timestamptz NOT NULL DEFAULT now(),
        published_at   timestamptz,
        attempts       integer NOT NULL DEFAULT 0,
        last_error     text
      )`);
    // The relay only ever scans unpublished rows; the partial index stays tiny.
    await q.query(`CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE inbox (
        consumer     text NOT NULL,
        event_id     uuid NOT NULL,
        subject      text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`CREATE INDEX inbox_processed_at_idx ON inbox (processed_at)`);
  },
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inbox`);
    await q.query(`DROP TABLE IF EXISTS outbox`);
  },
};

/** NOTIFY channel the relay listens on; NOTIFY is delivered only when the writing transaction commits. */
export const OUTBOX_CHANNEL = 'cpo_outbox';

/**
 * The messaging tables as a migration. Each app lists it in its own
 * `migrations/index.ts`, so the tables live in every service's own database.
 */
export class Messaging1732300000000 implements MigrationInterface {
  name = 'Messaging1732300000000';
  up(q: QueryRunner): Promise<void> {
    return messagingSchema.up(q);
  }
  down(q: QueryRunner): Promise<void> {
    return messagingSchema.down(q);
  }
}
