import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@cpo/platform';
import { DataSource } from 'typeorm';
import type { OcppConfig } from '../config.js';

/**
 * Share of the database pool that deferred work may hold at once. A boot storm queued ~2,000
 * after-boot steps in the pool beside the boots: a connected charger's StatusNotification waited
 * 7–18 s behind them, and boots failed at the pool's timeout. With half the pool theirs, the
 * chargers' own CALLs always find the other half, and the steps still get through at half speed.
 */
const DEFERRED_SHARE = 0.5;

/** Connections deferred work may hold at once: its share of the pool, at least one. */
export function deferredConnections(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize * DEFERRED_SHARE));
}

/**
 * Deferred runs (a station's after-boot or on-connect steps) under way at once, per connection of
 * the share. The rest wait before they start, as a closure each: started at once, a storm's 10,000
 * runs each held what they had read (a configuration answer, pg results) for the seconds their
 * turn at the share took. Promoted to V8's old space, that backlog raised its next limit and the
 * replica's RSS doubled (501 -> 1,008 MB with 10,000 chargers) while its live heap did not.
 */
const RUNS_PER_CONNECTION = 20;

/** Runs under way at once for a pool of `poolSize`. */
export function deferredRunLimit(poolSize: number): number {
  return deferredConnections(poolSize) * RUNS_PER_CONNECTION;
}

let runLimit = Infinity;
let runsStarted = 0;
const runsWaiting: (() => void)[] = [];

/** Sets how many runs of `deferredRun` are under way at once (`deferredRunLimit`). */
export function limitDeferredRuns(limit: number): void {
  runLimit = Math.max(1, limit);
}

/**
 * `deferred(work)`, started once fewer than the limit's runs are under way (first come first
 * served); until then only `work` itself waits, in memory.
 */
export async function deferredRun<T>(work: () => Promise<T>): Promise<T> {
  if (runsStarted < runLimit) runsStarted += 1;
  else await new Promise<void>((resolve) => runsWaiting.push(resolve));
  try {
    return await deferred(work);
  } finally {
    const next = runsWaiting.shift();
    if (next) next();
    else runsStarted -= 1;
  }
}

/** One deferred run: how many connections it holds now (a second one while holding does not wait, see `limitDeferredConnections`). */
interface Run {
  held: number;
}

const runs = new AsyncLocalStorage<Run>();

/**
 * Runs `work` as deferred work: what no charger is waiting on (after-boot and on-connect steps,
 * list syncs). Everything it starts, down to its command effects, counts as deferred too: the
 * mark travels with the async context. Nothing is dropped or reordered; only its pool checkouts
 * wait for the share, in memory, first come first served. Work fanned out in parallel (a station
 * each) takes a run each: a run holding a connection lets its further checkouts through.
 */
export function deferred<T>(work: () => Promise<T>): Promise<T> {
  return runs.run({ held: 0 }, work);
}

/**
 * Runs `work` outside any deferred run: for shared commit streams (CommitBatcher) that a deferred
 * step may happen to start, whose batches carry chargers' data that must not wait for the share.
 */
export function undeferred<T>(work: () => T): T {
  return runs.exit(work);
}

type Release = (err?: Error | boolean) => void;
interface PoolClient {
  release: Release;
}
type ConnectCallback = (err: Error | undefined, client?: PoolClient, done?: Release) => void;
/** The part of pg.Pool used here (TypeORM checks out with a callback, `pool.query` and `PreparedStatements` through `this.connect`). */
export interface PoolLike {
  connect(cb?: ConnectCallback): unknown;
}

/**
 * Makes deferred work take at most `limit` of `pool`'s connections at once; the chargers' own work
 * checks out as before, without waiting for it. A deferred run that already holds a connection takes
 * another without waiting (a query beside its transaction): it would otherwise wait for itself.
 */
export function limitDeferredConnections(pool: PoolLike, limit: number): void {
  const original = pool.connect;
  let inUse = 0;
  const queue: (() => void)[] = [];
  const take = (): Promise<void> => {
    if (inUse < limit) {
      inUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  };
  // Handed on to the next in line, or back.
  const giveBack = () => {
    const next = queue.shift();
    if (next) next();
    else inUse -= 1;
  };
  pool.connect = function connectDeferred(cb?: ConnectCallback): unknown {
    const run = runs.getStore();
    if (!run || run.held > 0) return original.call(pool, cb);
    const connected = take().then(async () => {
      const client = await new Promise<PoolClient>((resolve, reject) => original.call(pool, (err, c) => (err ? reject(err) : resolve(c!)))).catch((err: unknown) => {
        giveBack();
        throw err;
      });
      run.held += 1;
      // pg-pool sets `release` at every checkout: this one's ends the share's hold once.
      const release = client.release;
      let done = false;
      client.release = (err) => {
        if (!done) {
          done = true;
          run.held -= 1;
          giveBack();
        }
        return release.call(client, err);
      };
      return client;
    });
    if (!cb) return connected;
    connected.then(
      (client) => cb(undefined, client, client.release),
      (err: Error) => cb(err),
    );
    return undefined;
  };
}

/** Puts the pool's share for deferred work in place once the DataSource has its pool. */
@Injectable()
export class DeferredWorkLimit implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: Pick<OcppConfig, 'DATABASE_POOL_SIZE'>,
  ) {}

  onModuleInit(): void {
    // TypeORM's PostgresDriver keeps its pg.Pool as `master` once initialised (see PreparedStatements).
    const pool = (this.db.driver as unknown as { master?: PoolLike }).master;
    if (!pool || typeof pool.connect !== 'function') throw new Error('DeferredWorkLimit needs an initialised PostgreSQL DataSource');
    limitDeferredConnections(pool, deferredConnections(this.config.DATABASE_POOL_SIZE));
    limitDeferredRuns(deferredRunLimit(this.config.DATABASE_POOL_SIZE));
  }
}
