import pg from 'pg';
import type { PlatformConfig } from '../config/platform-config.js';

/** The driver gives up this long after the server should have cancelled the statement itself. */
export const QUERY_TIMEOUT_MARGIN_MS = 5000;
const KEEPALIVE_DELAY_MS = 10_000;
/** node-postgres' error for a query past `query_timeout` (pg 8: client.js); pinned by pg-connection.int-spec. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/** Timeouts are applied only where set: migrations and test templates run without a statement timeout. */
export type PgTimeouts = Partial<Pick<PlatformConfig, 'DATABASE_POOL_TIMEOUT_MS' | 'DATABASE_STATEMENT_TIMEOUT_MS'>>;

/**
 * A pg.Client that ends its connection once a query timed out in the driver. node-postgres only
 * stops waiting: the query stays active on the connection (the server may still run it, or the
 * socket is dead), so a pool that takes the client back would queue every later query behind it,
 * each failing only after its own timeout. TypeORM and pool.connect() callers release without the
 * error, so the client marks itself: an ending client is removed by pg-pool on release.
 */
export class TimeoutClosingClient extends pg.Client {}

const baseQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
// Assigned, not declared as a method: pg.Client.query has a dozen typed overloads to restate.
(TimeoutClosingClient.prototype as unknown as { query: typeof baseQuery }).query = function (this: pg.Client, ...args: unknown[]) {
  const result = baseQuery.apply(this, args);
  // Only the promise form (TypeORM, pool.connect() callers); pool.query() already releases with the error.
  // Attached before the caller's own handler, so the client is ending before the caller can release it.
  if (result instanceof Promise) result.catch((err: unknown) => endAfterReadTimeout(this, err));
  return result;
};

function endAfterReadTimeout(client: pg.Client, err: unknown): void {
  if ((err as Error | undefined)?.message !== QUERY_READ_TIMEOUT) return;
  // With the query still active, end() destroys the socket at once (pg 8.20+) and marks the client ending.
  void client.end().catch(() => undefined);
}

/**
 * Sent at connection start-up, so every pooled connection has it before its first statement.
 * JIT compilation off: the services run short OLTP statements whose correlated subplans the
 * planner costs at whole index ranges (millions, past `jit_above_cost`), and PostgreSQL then
 * spent seconds in LLVM for statements of milliseconds (the transactions list: 6.2 s of JIT for an
 * 18 ms execution; the retention deletes: 0.6-1 s each). An `options` in DATABASE_URL replaces it.
 */
export const PG_STARTUP_OPTIONS = '-c jit=off';

/**
 * Connection options for every pooled PostgreSQL connection (TypeORM's `extra`, the outbox pools):
 * dead peers noticed on idle connections, bounded connects, JIT off (`PG_STARTUP_OPTIONS`), and
 * with `DATABASE_STATEMENT_TIMEOUT_MS` a server-side statement timeout plus a driver timeout
 * shortly after it for a server that never answers (silent PostgreSQL, partition without RST); a
 * client whose query timed out is not reused.
 */
export function pgConnectionOptions(config: PgTimeouts) {
  const statementTimeout = config.DATABASE_STATEMENT_TIMEOUT_MS;
  return {
    ...pgListenOptions(config),
    Client: TimeoutClosingClient,
    options: PG_STARTUP_OPTIONS,
    ...(statementTimeout === undefined
      ? {}
      : { statement_timeout: statementTimeout, query_timeout: statementTimeout + QUERY_TIMEOUT_MARGIN_MS }),
  };
}

/**
 * For a LISTEN connection: it idles by design, so no statement or query timeout; keepAlive and a
 * bounded connect only. Pair it with `superviseListener`, which notices a silent peer much sooner.
 */
export function pgListenOptions(config: PgTimeouts) {
  return {
    // Probes idle connections, so a peer gone meanwhile is noticed (after the kernel's probe count).
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    // Bounds the connection setup (TCP, TLS, startup) and, in a pool, the wait for a free connection.
    ...(config.DATABASE_POOL_TIMEOUT_MS === undefined ? {} : { connectionTimeoutMillis: config.DATABASE_POOL_TIMEOUT_MS }),
  };
}

/**
 * Pings a LISTEN connection every `DATABASE_POOL_TIMEOUT_MS` and ends it when a ping is not answered
 * within as long: a peer gone silent (failover, partition) otherwise goes unnoticed for the kernel's
 * whole keepalive schedule, minutes in which every NOTIFY is lost. The owner re-LISTENs on the
 * client's 'end' event (emitted for a lost connection as for this end, unlike 'error').
 */
export function superviseListener(client: pg.Client, config: PgTimeouts): void {
  const every = config.DATABASE_POOL_TIMEOUT_MS ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const schedule = () => {
    if (!ended) timer = setTimeout(ping, every).unref();
  };
  const ping = () => {
    client.query({ text: 'SELECT 1', query_timeout: every } as pg.QueryConfig).then(schedule, () => {
      ended = true;
      void client.end().catch(() => undefined);
    });
  };
  client.once('end', () => {
    ended = true;
    clearTimeout(timer);
  });
  schedule();
}
