import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * meter_values is the hottest table (two rows per MeterValues in the benchmark, thousands a
 * second) and every index costs each insert a btree descent and WAL. No query reads it by
 * transaction alone: the API filters a station's readings (`meter_values_station_time`) and may
 * narrow them to a transaction, so the partial index on `transaction_id` only slowed the inserts.
 */
export class MeterValuesIndexes1763900000004 implements MigrationInterface {
  name = 'MeterValuesIndexes1763900000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS meter_values_transaction`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS meter_values_transaction ON meter_values (transaction_id) WHERE transaction_id IS NOT NULL`);
  }
}
