import { createRedisClient } from '@cpo/platform';
import { PartitionableProxy, SilentServer, testServers } from '../src/index.js';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TIMEOUT_MS = 300;
const config = (port: number) => ({ REDIS_URL: `redis://127.0.0.1:${port}`, SERVICE_NAME: 'platform-test', REDIS_COMMAND_TIMEOUT_MS: TIMEOUT_MS });

/** Settles within `ms` or reports that it hung (what every caller saw before the timeouts). */
async function within<T>(ms: number, work: Promise<T>): Promise<{ value?: T; error?: Error } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  const settled = work.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Redis client against a silent server', () => {
  const target = new URL(testServers.redis);
  let proxy: PartitionableProxy;
  let silent: SilentServer;
  let client: Redis | undefined;

  beforeEach(async () => {
    proxy = new PartitionableProxy({ host: target.hostname, port: Number(target.port || 6379) });
    silent = new SilentServer();
  });

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await proxy.stop();
    await silent.stop();
  });

  it('fails a command the server stops answering within the command timeout, then reconnects', async () => {
    const port = await proxy.start();
    client = await createRedisClient(config(port), logger);
    expect(await client.ping()).toBe('PONG');

    proxy.partition();
    const started = Date.now();
    const outcome = await within(5 * TIMEOUT_MS, client.get('platform-test:silent'));
    expect(outcome).not.toBe('hung');
    expect(outcome).toMatchObject({ error: expect.objectContaining({ message: expect.stringMatching(/timed out/i) }) });
    expect(Date.now() - started).toBeLessThan(3 * TIMEOUT_MS);

    // The dead connection is dropped rather than kept until TCP gives up: once the network is
    // back (or the failover done) the client answers again on a new connection.
    proxy.heal();
    let answered: unknown;
    for (let i = 0; i < 50 && answered !== 'PONG'; i++) {
      answered = await client.ping().catch((err: Error) => err.message);
      if (answered !== 'PONG') await new Promise((r) => setTimeout(r, 100));
    }
    expect(answered).toBe('PONG');
  });

  it('keeps an idle healthy connection open past the timeout (socketTimeout only arms with a command outstanding)', async () => {
    const port = await proxy.start();
    client = await createRedisClient(config(port), logger);
    let reconnects = 0;
    client.on('reconnecting', () => reconnects++);
    expect(await client.ping()).toBe('PONG');
    const connections = proxy.connections;

    // A replica with no Redis traffic for several timeouts: nothing outstanding, nothing to time out.
    await new Promise((r) => setTimeout(r, 6 * TIMEOUT_MS));
    expect(reconnects).toBe(0);
    expect(proxy.connections).toBe(connections);
    expect(await client.ping()).toBe('PONG');
    expect(reconnects).toBe(0);
  });

  it('keeps the connection that replaced one closed with a command outstanding (no stale socket timeout)', async () => {
    // Long enough for the reconnect (first retry after 200 ms) to be done before the old deadline.
    const timeout = 1500;
    const port = await proxy.start();
    client = await createRedisClient({ ...config(port), REDIS_COMMAND_TIMEOUT_MS: timeout }, logger);
    expect(await client.ping()).toBe('PONG');
    proxy.partition();
    const outstanding = client.get('platform-test:restart').catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 100));
    proxy.reset();
    await new Promise((r) => client!.once('ready', r));
    let reconnects = 0;
    client.on('reconnecting', () => reconnects++);
    // Past the old command's deadline: its timer must not destroy the healthy new connection.
    await new Promise((r) => setTimeout(r, timeout));
    await outstanding;
    expect(reconnects).toBe(0);
    expect(await client.ping()).toBe('PONG');
  });

  it('fails the boot connection to a server that accepts and never answers', async () => {
    const port = await silent.start();
    const outcome = await within(20 * TIMEOUT_MS, createRedisClient(config(port), logger));
    expect(outcome).not.toBe('hung');
    expect(outcome).toHaveProperty('error');
  });
});
