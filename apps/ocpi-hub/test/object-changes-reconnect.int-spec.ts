import { randomUUID } from 'node:crypto';
import { createDatabase, dropDatabase, PartitionableProxy, testServers } from '@cpo/testing';
import { pino } from 'pino';
import type { OcpiHubConfig } from '../src/config.js';
import { ObjectChanges } from '../src/objects/object-changes.js';

/** Polls until `check` holds or `ms` passed. */
async function eventually(ms: number, check: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('ObjectChanges LISTEN connection against a server gone silent', () => {
  const name = `ocpi_changes_${randomUUID().slice(0, 8)}`;
  const target = new URL(testServers.postgres);
  let proxy: PartitionableProxy;
  let changes: ObjectChanges | undefined;

  beforeAll(() => createDatabase(name));
  afterAll(() => dropDatabase(name));
  afterEach(async () => {
    await changes?.onApplicationShutdown();
    await proxy.stop();
  });

  it('turns the page cache off within seconds, and back on once a new LISTEN connection is up', async () => {
    proxy = new PartitionableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(testServers.postgres);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    url.pathname = `/${name}`;
    const config = { DATABASE_URL: url.toString(), OCPI_PAGE_CACHE_MB: 8, DATABASE_POOL_TIMEOUT_MS: 1000, DATABASE_STATEMENT_TIMEOUT_MS: 1000 } as OcpiHubConfig;
    changes = new ObjectChanges(config, pino({ level: 'silent' }));
    await changes.onModuleInit();
    expect(changes.reliable).toBe(true);
    const before = changes.generation('locations');

    proxy.partition();
    // Before: nothing noticed the silent peer until the kernel's keepalive gave up, minutes later.
    expect(await eventually(4000, () => !changes!.reliable)).toBe(true);
    expect(changes.generation('locations')).not.toBe(before);

    proxy.heal();
    expect(await eventually(4000, () => changes!.reliable)).toBe(true);
  }, 20_000);
});
