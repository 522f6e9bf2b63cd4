import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change of the object cache NOTIFYs `ocpi_object_changed` with its module, after commit, so
 * each replica's in-memory page cache drops what another replica (or the sync job, or a consumer)
 * made stale. A trigger rather than code: no write path can forget it. PostgreSQL folds identical
 * notifications of one transaction into one.
 */
export class OcpiObjectChangeNotify1733100000000 implements MigrationInterface {
  name = 'OcpiObjectChangeNotify1733100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ocpi_object_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('ocpi_object_changed', coalesce(NEW.module, OLD.module));
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER ocpi_object_changed AFTER INSERT OR UPDATE OR DELETE ON ocpi_object FOR EACH ROW EXECUTE FUNCTION ocpi_object_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS ocpi_object_changed ON ocpi_object`);
    await q.query(`DROP FUNCTION IF EXISTS ocpi_object_notify()`);
  }
}
