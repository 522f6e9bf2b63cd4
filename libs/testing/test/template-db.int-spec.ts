import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createMigratedDatabase } from '../src/template-db.js';
import { dropDatabase, testServers } from '../src/index.js';

/** A one-migration history of its own (the table name makes the hash unique to this run). */
function history(table: string): (new () => MigrationInterface)[] {
  const name = `Tpl${table}1700000000000`;
  const M = class implements MigrationInterface {
    name = name;
    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE TABLE ${table} (id int)`);
    }
    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE ${table}`);
    }
  };
  Object.defineProperty(M, 'name', { value: name });
  // The hash reads the class's code: the table name must be part of it.
  M.prototype.up = new Function('q', `return q.query('CREATE TABLE ${table} (id int)')`) as MigrationInterface['up'];
  return [M];
}

describe('createMigratedDatabase', () => {
  const service = `tpltest${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testServers.postgres });
  const created: string[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`tpl\\_${service}\\_%`]);
    for (const name of [...created, ...rows.map((r) => r.datname)]) await dropDatabase(name);
    await admin.end();
  });
  const templates = async () => (await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname`, [`tpl\\_${service}\\_%`])).rows.map((r) => r.datname);

  it('keeps a template built long ago that is still being cloned: staleness counts from its last use', async () => {
    const a = history(`a_${randomBytes(3).toString('hex')}`);
    created.push(`${service}_a1`, `${service}_a2`, `${service}_b1`);
    await createMigratedDatabase(`${service}_a1`, service, a);
    const [templateA] = await templates();
    // Built two hours ago, by another run or worktree that keeps using it.
    await admin.query(`COMMENT ON DATABASE "${templateA}" IS '${new Date(Date.now() - 2 * 3600_000).toISOString()}'`);
    await createMigratedDatabase(`${service}_a2`, service, a);
    // Another migration history builds its template, and drops the stale ones of this service.
    await createMigratedDatabase(`${service}_b1`, service, history(`b_${randomBytes(3).toString('hex')}`));
    expect(await templates()).toContain(templateA);
  });

  it('clones one template from several processes at once (each refreshing its last use)', async () => {
    const a = history(`c_${randomBytes(3).toString('hex')}`);
    created.push(`${service}_c0`);
    await createMigratedDatabase(`${service}_c0`, service, a);
    const names = Array.from({ length: 12 }, (_, i) => `${service}_c${i + 1}`);
    created.push(...names);
    await expect(Promise.all(names.map((n) => createMigratedDatabase(n, service, a)))).resolves.toBeDefined();
  });
});
