import { createIndexConcurrently, runMigrationsLocked } from '@cpo/platform';
import { createDatabase, dropDatabase, uniqueSuffix } from '@cpo/testing';
import pino from 'pino';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';

class Table1700000000001 implements MigrationInterface {
  name = 'Table1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE items (id int PRIMARY KEY, tag text NOT NULL)`);
    await q.query(`INSERT INTO items SELECT g, 'Tag' || g FROM generate_series(1, 20000) g`);
  }
  async down(): Promise<void> {}
}

/** Built without blocking writes, outside a transaction (CREATE INDEX CONCURRENTLY refuses to run in one). */
class Index1700000000002 implements MigrationInterface {
  name = 'Index1700000000002';
  transaction = false;
  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, 'items_tag_lower', 'items (lower(tag))');
  }
  async down(): Promise<void> {}
}

const silent = pino({ level: 'silent' });

describe('migrations: replicas starting together, an index built concurrently', () => {
  const name = `platform_mig_${uniqueSuffix()}`;
  let url: string;
  const sources: DataSource[] = [];
  const source = async () => {
    const ds = new DataSource({ type: 'postgres', url, migrations: [Table1700000000001, Index1700000000002], migrationsTableName: 'migrations', extra: { max: 3 } });
    sources.push(ds);
    return ds.initialize();
  };
  beforeAll(async () => {
    url = await createDatabase(name);
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy().catch(() => undefined)));
    await dropDatabase(name);
  });

  it('three replicas migrate at once: one builds the index, the others wait without holding it up, all finish', async () => {
    const [a, b, c] = await Promise.all([source(), source(), source()]);
    const started = Date.now();
    // A replica blocked in pg_advisory_lock has a statement (a snapshot) open: CREATE INDEX
    // CONCURRENTLY waits for it to end, and it waits for the index: a deadlock PostgreSQL resolves
    // by failing one of them (a replica that cannot boot).
    const results = await Promise.allSettled([a, b, c].map((ds) => runMigrationsLocked(ds, silent)));
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    expect(Date.now() - started).toBeLessThan(30_000);
    const index: { valid: boolean }[] = await a.query(`SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_tag_lower'`);
    expect(index).toEqual([{ valid: true }]);
  });

  it('an index left invalid by an interrupted build is built again', async () => {
    const ds = sources[0]!;
    // What a failed CONCURRENTLY build leaves: the index exists, marked invalid. IF NOT EXISTS alone would keep it.
    await ds.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_tag_lower'::regclass`);
    const q = ds.createQueryRunner();
    try {
      await createIndexConcurrently(q, 'items_tag_lower', 'items (lower(tag))');
    } finally {
      await q.release();
    }
    expect(await ds.query(`SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_tag_lower'`)).toEqual([{ valid: true }]);
  });
});
