import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `local_lists.pending_update`: the SendLocalList that went out but got no answer (timeout, socket
 * closed with the call delivered), with what the list held before it, while the charger's
 * GetLocalListVersion answer can still tell whether it was applied (LocalListRepair): its version
 * means applied, the version before it means not. NULL: nothing to repair, the list is what
 * `entries_certain` says. Kept on the list's own row so that its row lock orders the repair with
 * every other change of the list, across replicas.
 */
export class LocalListPendingUpdate1766000000900 implements MigrationInterface {
  name = 'LocalListPendingUpdate1766000000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists ADD COLUMN pending_update jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists DROP COLUMN pending_update`);
  }
}
