import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `Failed`: a remote start the charger cannot have acted on (it answered a CallError, or the call
 * never went out: offline, queue full, replaced). Such rows stayed `Requested` and were later
 * reported as "accepted by the charger but no transaction started". Expand only: one more value.
 */
export class RemoteStartFailed1765300000300 implements MigrationInterface {
  name = 'RemoteStartFailed1765300000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE remote_starts DROP CONSTRAINT IF EXISTS remote_starts_status_check`);
    await q.query(`ALTER TABLE remote_starts ADD CONSTRAINT remote_starts_status_check CHECK (status IN ('Requested','Accepted','Rejected','Started','TimedOut','Failed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE remote_starts SET status = 'Rejected' WHERE status = 'Failed'`);
    await q.query(`ALTER TABLE remote_starts DROP CONSTRAINT IF EXISTS remote_starts_status_check`);
    await q.query(`ALTER TABLE remote_starts ADD CONSTRAINT remote_starts_status_check CHECK (status IN ('Requested','Accepted','Rejected','Started','TimedOut'))`);
  }
}
