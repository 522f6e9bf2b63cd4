import { jest } from '@jest/globals';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import pg from 'pg';
import { testServers } from './config.js';
import { uniqueSuffix } from './infra.js';
import { createMigratedDatabase } from './template-db.js';

class CreateThing1700000000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE thing (id int)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE thing');
  }
}

class Broken1700000000002 implements MigrationInterface {
  async up(): Promise<void> {
    throw new Error('migration 2 is broken');
  }
  async down(): Promise<void> {}
}

describe('createMigratedDatabase: the scratch database of a template build that fails', () => {
  const admin = new pg.Client({ connectionString: testServers.postgres });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  const databasesLike = async (prefix: string) =>
    (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix.replace(/_/g, '\\_')}%`])).rows.map((r) => r.datname);

  it('leaves no scratch database behind and rejects with the migration\'s own error', async () => {
    // A service name of its own: only this test's template and scratch databases carry it.
    const service = `tplfail${uniqueSuffix()}`;
    const name = `db_${service}`;
    await expect(createMigratedDatabase(name, service, [CreateThing1700000000001, Broken1700000000002])).rejects.toThrow('migration 2 is broken');
    expect(await databasesLike(`tpl_${service}_`)).toEqual([]);
    expect(await databasesLike(name)).toEqual([]);
  });

  it('rejects with the migration\'s own error also when its scratch database cannot be dropped, naming the one left', async () => {
    const service = `tplfail${uniqueSuffix()}`;
    const query = pg.Client.prototype.query;
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith('DROP DATABASE')) return Promise.reject(new Error('drop refused'));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    let failure: unknown;
    try {
      await createMigratedDatabase(`db_${service}`, service, [CreateThing1700000000001, Broken1700000000002]);
    } catch (err) {
      failure = err;
    } finally {
      spy.mockRestore();
    }
    const left = await databasesLike(`tpl_${service}_`);
    for (const datname of left) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('migration 2 is broken');
    expect(left).toHaveLength(1);
    expect((failure as Error).message).toContain(left[0]);
    expect(String((failure as Error).message)).toContain('drop refused');
  });

  it('several processes building one new template at once all get their database (two renames racing fail in the catalog index, not as duplicate_database)', async () => {
    const service = `tplrace${uniqueSuffix()}`;
    const names = Array.from({ length: 6 }, (_, i) => `db_${service}_${i}`);
    try {
      const results = await Promise.allSettled(names.map((n) => createMigratedDatabase(n, service, [CreateThing1700000000001])));
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect((await databasesLike(`tpl_${service}_`)).length).toBe(1);
    } finally {
      for (const datname of [...names, ...(await databasesLike(`tpl_${service}_`))]) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });

  it('a scratch database a killed build left over an hour ago is dropped by the next build of the service; a recent one (a build under way) is kept', async () => {
    const service = `tplleft${uniqueSuffix()}`;
    const scratch = (ageMs: number) => `tpl_${service}_0123456789abcdef_${(Date.now() - ageMs).toString(36)}abcdef`;
    const [old, recent] = [scratch(2 * 3_600_000), scratch(60_000)];
    for (const datname of [old, recent]) await admin.query(`CREATE DATABASE "${datname}"`);
    const name = `db_${service}`;
    try {
      await createMigratedDatabase(name, service, [CreateThing1700000000001]);
      const left = await databasesLike(`tpl_${service}_`);
      expect(left).not.toContain(old);
      expect(left).toContain(recent);
    } finally {
      for (const datname of [name, ...(await databasesLike(`tpl_${service}_`))]) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
});
