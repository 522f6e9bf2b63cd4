import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import pg from 'pg';
import pino from 'pino';
import { PgListener } from '@cpo/platform';
import { testServers } from '../src/index.js';

const DATABASE_URL = testServers.postgres;

describe('PgListener (real PostgreSQL)', () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  /** A listener on a channel and application name of its own, and what it was notified of. */
  function listener() {
    const name = `pg_listener_${randomUUID().replaceAll('-', '')}`;
    const got: string[] = [];
    const listening = { times: 0 };
    const l = new PgListener({
      databaseUrl: DATABASE_URL,
      applicationName: name,
      channel: name,
      timeouts: {},
      logger: pino({ level: 'silent' }),
      onNotify: (p) => got.push(p),
      onListening: () => (listening.times += 1),
      retryMs: 50,
    });
    const connections = async () => Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [name])).rows[0].n);
    return { l, name, got, connections, listening };
  }

  it('started twice, keeps one connection and delivers each notification once', async () => {
    const { l, name, got, connections } = listener();
    try {
      await l.start({ retry: false });
      await l.start({ retry: false });
      await Promise.all([l.start({ retry: true }), l.start({ retry: true })]);
      expect(await connections()).toBe(1);
      await admin.query(`SELECT pg_notify($1, 'x')`, [name]);
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toEqual(['x']);
    } finally {
      await l.stop();
    }
    expect(await connections()).toBe(0);
  });

  it('stop() waits for a connection attempt in flight, so no connection outlives it', async () => {
    const { l, connections } = listener();
    // Holds the attempt's connect until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const connect = pg.Client.prototype.connect;
    const spy = jest.spyOn(pg.Client.prototype, 'connect').mockImplementation(async function (this: pg.Client) {
      await held;
      return (connect as unknown as () => Promise<unknown>).call(this);
    } as never);
    try {
      let started = false;
      const starting = l.start({ retry: true }).then(() => (started = true));
      let stopped = false;
      const stopping = l.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(started).toBe(true);
      expect(l.listening).toBe(false);
      expect(await connections()).toBe(0);
      await starting;
    } finally {
      spy.mockRestore();
    }
  });

  it('a failed first start with retry: false can be started again', async () => {
    const name = `pg_listener_${randomUUID().replaceAll('-', '')}`;
    const l = new PgListener({ databaseUrl: DATABASE_URL, applicationName: name, channel: 'not a channel', timeouts: {}, logger: pino({ level: 'silent' }), onNotify: () => undefined });
    await expect(l.start({ retry: false })).rejects.toThrow();
    // Not taken for a listener already running: the second start tries, and fails, again.
    await expect(l.start({ retry: false })).rejects.toThrow();
    expect(l.listening).toBe(false);
    await l.stop();
  });

  it('reconnects after the connection is lost, and not after stop()', async () => {
    const { l, name, got, connections, listening } = listener();
    await l.start({ retry: false });
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [name]);
    for (let i = 0; i < 100 && listening.times < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(listening.times).toBe(2);
    await admin.query(`SELECT pg_notify($1, 'back')`, [name]);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['back']);
    await l.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(await connections()).toBe(0);
  });
});
