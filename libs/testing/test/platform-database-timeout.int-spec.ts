import { dataSourceOptions, ensureDatabase, migrate } from '@cpo/platform';
import { randomUUID } from 'node:crypto';
import { createDatabase, dropDatabase, PartitionableProxy, postgresUrlVia, SilentServer, testServers, within } from '../src/index.js';
import { pino } from 'pino';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const STATEMENT_TIMEOUT_MS = 1000;


/** Longer than the statement timeout: must still run, migrations are exempt. */
class SlowMigration1700000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pg_sleep(${(STATEMENT_TIMEOUT_MS * 1.5) / 1000})`);
  }
  async down(): Promise<void> {}
}

const urlOf = (port: number, database: string) => postgresUrlVia(testServers.postgres, port, database);

describe('PostgreSQL pool against a silent server', () => {
  const name = `platform_timeouts_${randomUUID().slice(0, 8)}`;
  const target = new URL(testServers.postgres);
  const config = (url: string) => ({
    DATABASE_URL: url,
    SERVICE_NAME: 'platform-test',
    DATABASE_POOL_SIZE: 2,
    DATABASE_POOL_TIMEOUT_MS: 1000,
    DATABASE_STATEMENT_TIMEOUT_MS: STATEMENT_TIMEOUT_MS,
  });
  let silent: SilentServer;
  let proxy: PartitionableProxy;
  let ds: DataSource | undefined;

  beforeAll(() => createDatabase(name));
  afterAll(() => dropDatabase(name));
  beforeEach(() => {
    silent = new SilentServer();
    proxy = new PartitionableProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterEach(async () => {
    await ds?.destroy().catch(() => undefined);
    ds = undefined;
    await silent.stop();
    await proxy.stop();
  });

  it('fails the boot probe of ensureDatabase to a server that accepts and never answers', async () => {
    const port = await silent.start();
    const outcome = await within(5000, ensureDatabase(urlOf(port, name), logger, 1000));
    expect(outcome).not.toBe('hung');
    expect(outcome).toHaveProperty('error');
  });

  it('fails a query on a connection the server stops answering, shortly after the statement timeout', async () => {
    const port = await proxy.start();
    ds = await new DataSource(dataSourceOptions(config(urlOf(port, name)), { migrations: [] })).initialize();
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    proxy.partition();
    const outcome = await within(15_000, ds.query('SELECT 1 AS one'));
    expect(outcome).not.toBe('hung');
    expect(outcome).toHaveProperty('error');
  });

  it('cancels a statement past DATABASE_STATEMENT_TIMEOUT_MS, but runs migrations without it', async () => {
    ds = await new DataSource(dataSourceOptions(config(urlOf(Number(target.port || 5432), name)), { migrations: [SlowMigration1700000000000] })).initialize();
    await expect(ds.query(`SELECT pg_sleep(${(STATEMENT_TIMEOUT_MS * 1.5) / 1000})`)).rejects.toThrow(/statement timeout/);
    await migrate(ds, logger);
    expect(await ds.query(`SELECT name FROM migrations`)).toEqual([{ name: 'SlowMigration1700000000000' }]);
  });
});
