import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PlatformConfig } from '../config/platform-config.js';

/** TCP (and TLS) connection setup; a reachable Redis answers in milliseconds. */
const CONNECT_TIMEOUT_MS = 5000;
const KEEPALIVE_DELAY_MS = 10_000;

/** The shared client, connected; it keeps reconnecting on its own afterwards. */
export async function createRedisClient(
  config: Pick<PlatformConfig, 'REDIS_URL' | 'SERVICE_NAME' | 'REDIS_COMMAND_TIMEOUT_MS'>,
  logger: Logger,
): Promise<Redis> {
  const client = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    connectionName: config.SERVICE_NAME,
    maxRetriesPerRequest: 3,
    // Keep reconnecting with a capped backoff; readiness reports the outage meanwhile.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
    // A Redis that stops answering on an open connection (failover, partition without RST) would
    // otherwise hold every caller until TCP gives up, minutes later. The command fails after the
    // timeout (also while queued offline, and the boot's handshake), and a connection that has
    // answered nothing for as long is destroyed, so the client reconnects (to the new primary).
    // Nothing uses the shared client to block (BLPOP, XREAD BLOCK, SUBSCRIBE): such a caller needs
    // its own client without these timeouts.
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    socketTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: Math.max(config.REDIS_COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS),
    // Probes an idle connection, so a peer gone during a quiet period is noticed (and NAT or
    // firewall state kept) before the next command relies on it.
    keepAlive: KEEPALIVE_DELAY_MS,
  });
  client.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  client.on('close', () => clearStaleSocketTimeout(client));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw err;
  }
  return client;
}

/**
 * ioredis (5.11) keeps the socketTimeout timer of a connection that closed with a command
 * outstanding; firing later it destroys `this.stream`, by then the healthy replacement, and a new
 * timer is not armed meanwhile (redis/ioredis#2147, fixed upstream by #2148). Cleared on 'close',
 * which ioredis emits before it schedules the reconnect. Remove once ioredis carries the fix.
 */
function clearStaleSocketTimeout(client: Redis): void {
  const internals = client as unknown as { socketTimeoutTimer?: NodeJS.Timeout };
  clearTimeout(internals.socketTimeoutTimer);
  internals.socketTimeoutTimer = undefined;
}
