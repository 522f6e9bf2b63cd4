import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `charging_profiles.split_over`, on a station cap row: the connector count a pass last split an
 * emulated cap over (`smart-charging/connector-splits.ts`). Written by the pass on whichever replica
 * ran it, before the shares go out; read once by the replica holding the socket when it has no count
 * of its own, so a status of a connector beyond it is caught there too. Null until a pass splits.
 * Nullable without a default: no rewrite of the table.
 */
export class CapSplitCount1766000006500 implements MigrationInterface {
  name = 'CapSplitCount1766000006500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles ADD COLUMN IF NOT EXISTS split_over smallint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE charging_profiles DROP COLUMN IF EXISTS split_over`);
  }
}
