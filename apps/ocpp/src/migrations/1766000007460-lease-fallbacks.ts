import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lease fallback (level 0, id 200 + n) each connector's charger last accepted, shared by the
 * replicas (`LeaseFallback`): `form` what makes it unchanged (purpose, stack level, unit, limit,
 * phases), `sent_at` when it went, so a pass after a reconnect or boot (which may have lost it)
 * counts only what it sent itself. A row is removed when the fallback may be gone (a clear, a boot).
 */
export class LeaseFallbacks1766000007460 implements MigrationInterface {
  name = 'LeaseFallbacks1766000007460';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE lease_fallbacks (
         station_id text NOT NULL, connector_id integer NOT NULL, form text NOT NULL, sent_at timestamptz NOT NULL,
         PRIMARY KEY (station_id, connector_id))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE lease_fallbacks`);
  }
}
