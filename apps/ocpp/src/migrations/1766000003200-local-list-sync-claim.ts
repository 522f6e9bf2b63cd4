import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim a sync holds on a station's local list while its Differential update is decided, sent
 * and answered (LocalListSyncRepository.claim): `sync_owner` the sync holding it, `sync_until` when
 * it lapses (a replica that stopped mid-update must not block the list for ever), `sync_version` the
 * listVersion it last handed out. Two replicas each reading the stored version and sending version
 * + 1 sent one version with two contents; on the list's own row, the claim is taken under the row
 * lock that orders every other change of the list.
 */
export class LocalListSyncClaim1766000003200 implements MigrationInterface {
  name = 'LocalListSyncClaim1766000003200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists ADD COLUMN sync_owner text, ADD COLUMN sync_until timestamptz, ADD COLUMN sync_version integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE local_lists DROP COLUMN sync_owner, DROP COLUMN sync_until, DROP COLUMN sync_version`);
  }
}
