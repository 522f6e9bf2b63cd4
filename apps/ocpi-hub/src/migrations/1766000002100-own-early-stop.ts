import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `ocpi_own_early_stop`: an `ocpp.transaction.stopped` the hub handled before the transaction's
 * start (starts and stops come through separate consumers, and a session queued offline reaches
 * ocpp as both within milliseconds). The start that makes the roaming Session takes it and settles
 * the session at once; a stop no start claims (most sessions are not roaming) is pruned after a day,
 * by receipt (`received_at`, indexed for that).
 */
export class OwnEarlyStop1766000002100 implements MigrationInterface {
  name = 'OwnEarlyStop1766000002100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ocpi_own_early_stop (
        transaction_id bigint PRIMARY KEY,
        payload jsonb NOT NULL,
        correlation_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ocpi_own_early_stop_received ON ocpi_own_early_stop (received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ocpi_own_early_stop`);
  }
}
