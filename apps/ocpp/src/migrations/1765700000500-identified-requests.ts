import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The security extension's requests carry a requestId on both sides (Security Whitepaper ed. 3):
 * `log_request` is the GetLog a station accepted last (a signed firmware update shares
 * `firmware_request`, one firmware update at a time); `*_status_request_id` is the requestId the
 * latest firmware/log status named (null when it named none), so a request recorded just after
 * its first status (the charger answered and reported at once) still gets that status. `bigint`:
 * the schema bounds no requestId, and a charger's 2147483648 must be stored, not fail its message.
 */
export class IdentifiedRequests1765700000500 implements MigrationInterface {
  name = 'IdentifiedRequests1765700000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN log_request jsonb, ADD COLUMN firmware_status_request_id bigint, ADD COLUMN log_status_request_id bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN log_request, DROP COLUMN firmware_status_request_id, DROP COLUMN log_status_request_id`);
  }
}
