import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transactions the planner saw stop, so a `started` delivered after its own `stopped` (the ocpp
 * outbox's fast path failed, the relay published it later) opens no session. Rows are kept a few
 * days (pruned by `recorded_at`, the planner's receipt: a charger's clock cannot cut that short).
 */
export class StoppedTransactions1764930000000 implements MigrationInterface {
  name = 'StoppedTransactions1764930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE stopped_transactions (
      station_id text NOT NULL, transaction_id integer NOT NULL, stopped_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (station_id, transaction_id))`);
    await q.query(`CREATE INDEX stopped_transactions_recorded_at ON stopped_transactions (recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stopped_transactions`);
  }
}
