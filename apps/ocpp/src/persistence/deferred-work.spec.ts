import pino from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { deferred, deferredConnections, deferredRunLimit, limitDeferredConnections, limitDeferredRuns } from './deferred-work.js';

interface FakeClient {
  id: number;
  release: (err?: Error | boolean) => void;
}
type Callback = (err: Error | undefined, client?: FakeClient, done?: (err?: Error | boolean) => void) => void;

/**
 * pg-pool as far as the gate sees it: `max` clients, waiters served first come first served, a
 * `release` set on the client at each checkout, `connect` with a callback (TypeORM) or a promise,
 * and `query` going through `this.connect` (PreparedStatements).
 */
class FakePool {
  private free: FakeClient[];
  private readonly waiting: Callback[] = [];
  /** Checkouts in the order the pool handed out clients, with what each was for. */
  readonly handedOut: string[] = [];
  /** Clients checked out now. */
  holders = 0;

  constructor(max: number) {
    this.free = Array.from({ length: max }, (_, id) => ({ id, release: () => undefined }));
  }

  connect(cb?: Callback): Promise<FakeClient> | undefined {
    if (!cb) return new Promise((resolve, reject) => this.connect((err, client) => (err ? reject(err) : resolve(client!))));
    const client = this.free.shift();
    if (client) this.handOut(client, cb);
    else this.waiting.push(cb);
    return undefined;
  }

  async query(label: string, holdMs: number): Promise<void> {
    const client = await new Promise<FakeClient>((resolve, reject) => this.connect((err, c) => (err ? reject(err) : resolve(c!))));
    this.handedOut.push(label);
    await new Promise((r) => setTimeout(r, holdMs));
    client.release();
  }

  private handOut(client: FakeClient, cb: Callback): void {
    this.holders += 1;
    let released = false;
    client.release = () => {
      if (released) throw new Error('Release called on client which has already been released to the pool.');
      released = true;
      this.holders -= 1;
      const next = this.waiting.shift();
      if (next) this.handOut(client, next);
      else this.free.push(client);
    };
    queueMicrotask(() => cb(undefined, client, client.release));
  }
}

const ctx = (n: number) => ({ stationId: `CP-${n}` }) as StationContext;

/** `promise`'s value, or `otherwise` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, otherwise: string): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<string>((r) => (timer = setTimeout(() => r(otherwise), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A boot storm: every accepted boot's after-boot steps (configuration read, profiles, local list)
 * read and write the database after the charger has its answer. Queued in the pool, they were
 * thousands of waiters ahead of the chargers' own CALLs (a StatusNotification waited 7–18 s, boots
 * failed at the pool's timeout). They may hold only their share of the pool, and wait for it in memory.
 */
describe('deferred work (after-boot and on-connect steps) under a boot storm', () => {
  it('takes half the pool, at least one connection', () => {
    expect(deferredConnections(10)).toBe(5);
    expect(deferredConnections(3)).toBe(1);
    expect(deferredConnections(1)).toBe(1);
  });

  it('holds at most its share of the pool, and a charger\'s commit meanwhile gets a connection at once; every step still runs, in order per station', async () => {
    const pool = new FakePool(4);
    const limit = deferredConnections(4);
    limitDeferredConnections(pool, limit);
    const lifecycle = new StationLifecycle(pino({ level: 'silent' }));
    let mostDeferred = 0;
    let deferredNow = 0;
    const ran: string[] = [];
    const step = (name: string) => async (c: StationContext) => {
      await new Promise<void>((resolve, reject) =>
        pool.connect((err, client) => {
          if (err) return reject(err);
          deferredNow += 1;
          mostDeferred = Math.max(mostDeferred, deferredNow);
          pool.handedOut.push('after-boot');
          setTimeout(() => {
            deferredNow -= 1;
            client!.release();
            ran.push(`${c.stationId} ${name}`);
            resolve();
          }, 5);
        }),
      );
    };
    lifecycle.onAccepted(step('onboarding'), 0);
    lifecycle.onAccepted(step('profiles'), 10);
    lifecycle.onAccepted(step('local list'), 20);

    const storm = Array.from({ length: 40 }, (_, n) => lifecycle.accepted(ctx(n), { bootChanged: false }));
    await new Promise((r) => setImmediate(r));
    // A connected charger's StatusNotification commit, asked for once the storm's steps are queued.
    await pool.query('status', 1);
    const ahead = pool.handedOut.indexOf('status');
    await Promise.all(storm);

    expect({ mostDeferred, checkoutsBeforeTheStatus: ahead }).toEqual({ mostDeferred: limit, checkoutsBeforeTheStatus: expect.any(Number) });
    expect(ahead).toBeLessThanOrEqual(limit);
    expect(ran).toHaveLength(120);
    for (let n = 0; n < 40; n++) expect(ran.filter((r) => r.startsWith(`CP-${n} `))).toEqual([`CP-${n} onboarding`, `CP-${n} profiles`, `CP-${n} local list`]);
    expect(pool.holders).toBe(0);
  });

  it('lets a deferred step that holds a connection take another (a query beside its transaction) without waiting for a share: no deadlock', async () => {
    // Room for both steps' first connection and one more: only a gate counting the inner one against the share blocks.
    const pool = new FakePool(3);
    limitDeferredConnections(pool, 1);
    const nested = (n: number) =>
      deferred(async () => {
        const outer = (await pool.connect()) as FakeClient;
        await pool.query(`inner ${n}`, 1);
        outer.release();
      });
    const done = Promise.all([nested(1), nested(2)]).then(() => 'done');
    expect(await within(done, 1_000, 'stuck')).toBe('done');
    expect(pool.holders).toBe(0);
  });

  it('gives the share back when the pool fails to connect', async () => {
    let fail = true;
    const pool = {
      connect(cb?: Callback) {
        queueMicrotask(() => (fail ? cb!(new Error('timeout exceeded when trying to connect')) : cb!(undefined, { id: 0, release: () => undefined }, () => undefined)));
      },
    };
    limitDeferredConnections(pool, 1);
    const connect = () => deferred(() => new Promise<void>((resolve, reject) => pool.connect((err) => (err ? reject(err) : resolve()))));
    await expect(connect()).rejects.toThrow('timeout exceeded');
    fail = false;
    expect(await within(connect().then(() => 'connected'), 500, 'share lost')).toBe('connected');
  });

  it('starts only so many stations\' runs at once; the rest wait unstarted, and every run still ends, first come first served', async () => {
    expect(deferredRunLimit(10)).toBe(100);
    limitDeferredRuns(3);
    try {
      const lifecycle = new StationLifecycle(pino({ level: 'silent' }));
      let now = 0;
      let most = 0;
      const started: string[] = [];
      lifecycle.onAccepted(async (c) => {
        started.push(c.stationId);
        now += 1;
        most = Math.max(most, now);
        // What a started run holds (a configuration answer, query results) lives until it ends.
        await new Promise((r) => setTimeout(r, 5));
        now -= 1;
      });
      await Promise.all(Array.from({ length: 20 }, (_, n) => lifecycle.accepted(ctx(n), { bootChanged: false })));
      expect({ most, started }).toEqual({ most: 3, started: Array.from({ length: 20 }, (_, n) => `CP-${n}`) });
    } finally {
      limitDeferredRuns(Infinity);
    }
  });
});
