import { dataSourceOptions, pgConnectionOptions, pgListenOptions, superviseListener } from '@cpo/platform';
import { randomUUID } from 'node:crypto';
import { createDatabase, dropDatabase, PartitionableProxy, postgresUrlVia, testServers, within } from '../src/index.js';
import pg from 'pg';
import { DataSource } from 'typeorm';

const STATEMENT_TIMEOUT_MS = 1000;
/** The driver's query_timeout: statement timeout plus its margin. */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5000;


const urlOf = (port: number, database: string) => postgresUrlVia(testServers.postgres, port, database);

describe('PostgreSQL connections after a driver-side query timeout', () => {
  const name = `platform_pgconn_${randomUUID().slice(0, 8)}`;
  const target = new URL(testServers.postgres);
  const timeouts = { DATABASE_POOL_TIMEOUT_MS: 1000, DATABASE_STATEMENT_TIMEOUT_MS: STATEMENT_TIMEOUT_MS };
  let proxy: PartitionableProxy;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(() => createDatabase(name));
  afterAll(() => dropDatabase(name));
  beforeEach(() => {
    proxy = new PartitionableProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
    await proxy.stop();
  });

  it('TypeORM: once the partition heals, the next query runs on a new connection, not behind the timed-out one', async () => {
    const port = await proxy.start();
    const config = { DATABASE_URL: urlOf(port, name), SERVICE_NAME: 'platform-test', DATABASE_POOL_SIZE: 2, ...timeouts };
    const ds = await new DataSource(dataSourceOptions(config, { migrations: [] })).initialize();
    cleanups.push(() => ds.destroy());
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    proxy.partition();
    const timedOut = await within(QUERY_TIMEOUT_MS + 5000, ds.query('SELECT 1 AS one'));
    expect(timedOut).toHaveProperty('error');

    proxy.heal();
    const next = await within(3000, ds.query('SELECT 2 AS two'));
    expect(next).toEqual({ value: [{ two: 2 }] });
  }, 30_000);

  it('pg.Pool with pgConnectionOptions: a client released after a timed-out query is not handed out again', async () => {
    const port = await proxy.start();
    const pool = new pg.Pool({ connectionString: urlOf(port, name), max: 2, ...pgConnectionOptions(timeouts) });
    pool.on('error', () => undefined);
    cleanups.push(() => pool.end());
    const run = async (text: string) => {
      const client = await pool.connect();
      try {
        return (await client.query(text)).rows;
      } finally {
        client.release();
      }
    };
    expect(await run('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    proxy.partition();
    expect(await within(QUERY_TIMEOUT_MS + 5000, run('SELECT 1 AS one'))).toHaveProperty('error');

    proxy.heal();
    expect(await within(3000, run('SELECT 2 AS two'))).toEqual({ value: [{ two: 2 }] });
  }, 30_000);

  it('superviseListener ends a LISTEN connection whose server went silent, so its owner can LISTEN again', async () => {
    const port = await proxy.start();
    const client = new pg.Client({ connectionString: urlOf(port, name), ...pgListenOptions(timeouts) });
    client.on('error', () => undefined);
    cleanups.push(() => client.end());
    await client.connect();
    await client.query('LISTEN platform_test');
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    superviseListener(client, timeouts);

    // Idle but alive: pings are answered, the connection stays.
    expect(await within(2500, ended)).toBe('hung');
    proxy.partition();
    expect(await within(4000, ended)).toEqual({ value: undefined });
  }, 30_000);
});
