import { randomUUID } from 'node:crypto';
import { Headers, sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { jest } from '@jest/globals';
import pg from 'pg';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

describe('transactional outbox (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  it('(a) never publishes an event whose transaction rolled back', async () => {
    const rolledBack = randomUUID();
    const committed = randomUUID();
    await expect(
      bus.dataSource.transaction(async (tx) => {
        await bus.writer.enqueue(tx, subject, payload, { eventId: rolledBack });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    await bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, subject, payload, { eventId: committed }));

    const relay = bus.relay();
    await relay.start();
    expect(await eventually(async () => (await bus.streamMessages('OCPP')) === 1)).toBe(true);
    await relay.stop();

    const stored = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq: 1 });
    expect(stored?.header.get(Headers.EventId)).toBe(committed);
    // The relay has PostgreSQL format the time: it must read exactly as Date#toISOString would.
    const [{ occurred_at }] = await bus.dataSource.query(`SELECT occurred_at FROM outbox WHERE id = $1`, [committed]);
    expect(stored?.header.get(Headers.OccurredAt)).toBe((occurred_at as Date).toISOString());
    expect(await bus.streamMessages('OCPP')).toBe(1);
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = $1`, [rolledBack]);
    expect(n).toBe(0);
  });

  it('(b) a relay dying after publish but before marking rows sent causes no duplicate delivery', async () => {
    const before = await bus.streamMessages('OCPP');
    const ids = await bus.dataSource.transaction((tx) =>
      bus.writer.enqueueMany(tx, [1, 2, 3].map(() => ({ subject, payload }))),
    );

    const dying = bus.relay({
      afterPublish: async () => {
        throw new Error('relay process killed');
      },
    });
    await expect(dying.drainOnce()).rejects.toThrow('relay process killed');
    // It did publish: the stream has the three events, but the rows are still unsent.
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);
    const [{ unsent }] = await bus.dataSource.query(`SELECT count(*)::int AS unsent FROM outbox WHERE published_at IS NULL`);
    expect(unsent).toBe(3);

    // The replacement relay publishes the same rows again ...
    expect(await bus.relay().drainOnce()).toEqual({ published: 3, failed: 0 });
    // ... and JetStream keeps one copy of each.
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);

    const seen: string[] = [];
    const consumer = bus.consumer({
      durable: 'relay-crash',
      stream: Streams.OCPP,
      filterSubject: subject,
      handler: async (event, tx) => {
        seen.push(event.id);
        await tx.query(`INSERT INTO applied VALUES ($1, 'relay-crash', $2)`, [event.id, event.deliveryCount]);
      },
    });
    await consumer.start();
    expect(await eventually(() => seen.length >= before + 3)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.stop();
    expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses to write an event its own contract rejects', async () => {
    await expect(
      bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, subject, { ...payload, connectorId: -1 })),
    ).rejects.toThrow(/connectorId/);
  });

  it('stores an event whose text holds a lone UTF-16 surrogate (U+FFFD in its place), instead of failing the transaction', async () => {
    const [id] = await bus.dataSource.transaction((tx) => bus.writer.enqueueMany(tx, [{ subject, payload: { ...payload, info: 'broken \ud800 input' } }]));
    const [row] = await bus.dataSource.query(`SELECT payload FROM outbox WHERE id = $1`, [id]);
    expect(row.payload.info).toBe('broken \uFFFD input');
  });

  it('refuses to write outside a transaction', async () => {
    await expect(bus.writer.enqueue(bus.dataSource.manager, subject, payload)).rejects.toThrow(/open transaction/);
  });

  it('a batch with a message no stream takes keeps that row queued with its error and publishes the rest', async () => {
    await bus.relay().drainOnce();
    const before = await bus.streamMessages('OCPP');
    const good = randomUUID();
    const orphan = randomUUID();
    await bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, subject, payload, { eventId: good }));
    // A row whose subject no stream captures: JetStream answers 503 (no responders) for it alone.
    await bus.dataSource.query(
      `INSERT INTO outbox (id, subject, schema_version, payload, source) VALUES ($1, 'nowhere.at.all', 1, '{}', 'test')`,
      [orphan],
    );
    const relay = bus.relay({ publishTimeoutMs: 2000 });
    expect(await relay.drainOnce()).toEqual({ published: 1, failed: 1 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 1);
    const rows = await bus.dataSource.query(`SELECT id, published_at IS NOT NULL AS sent, attempts, last_error FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY sent`, [[good, orphan]]);
    expect(rows.map((r: { id: string; sent: boolean }) => [r.id, r.sent])).toEqual([[orphan, false], [good, true]]);
    expect(rows[0].attempts).toBe(1);
    expect(rows[0].last_error).toMatch(/503|no stream/);
    await bus.dataSource.query(`DELETE FROM outbox WHERE id = $1`, [orphan]);
  });

  it('writes state and events in one statement without a transaction block (statement form)', async () => {
    // Started first with a long poll: only the NOTIFY of the statement's commit can wake it.
    const relay = bus.relay({ pollIntervalMs: 60_000 });
    await relay.start();
    await new Promise((r) => setTimeout(r, 300));
    const before = await bus.streamMessages('OCPP');
    const s = bus.writer.statement([1, 2].map(() => ({ subject, payload })), 2);
    await bus.dataSource.query(`WITH side AS (INSERT INTO applied VALUES ($1, 'statement', 1)), ${s.cte} ${s.notify}`, [randomUUID(), ...s.params]);
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [s.ids]);
    expect(n).toBe(2);
    expect(await eventually(async () => (await bus.streamMessages('OCPP')) === before + 2)).toBe(true);
    await relay.stop();
    expect(() => bus.writer.statement([{ subject, payload: { ...payload, connectorId: -1 } }], 1)).toThrow(/connectorId/);
  });

  it('runs passes concurrently when asked, each row published and marked once', async () => {
    const before = await bus.streamMessages('OCPP');
    await bus.dataSource.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`); // leftovers of earlier tests
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(...(await bus.dataSource.transaction((tx) => bus.writer.enqueueMany(tx, Array.from({ length: 150 }, () => ({ subject, payload }))))));
    }
    let inPublish = 0;
    let overlap = 0;
    const relay = bus.relay({
      batchSize: 100,
      concurrency: 2,
      // Held open a moment after publishing, so passes in flight at the same time show up here.
      afterPublish: async () => {
        overlap = Math.max(overlap, ++inPublish);
        await new Promise((r) => setTimeout(r, 50));
        inPublish--;
      },
    });
    await relay.start();
    const done = await eventually(async () => {
      const [{ unsent }] = await bus.dataSource.query(`SELECT count(*)::int AS unsent FROM outbox WHERE published_at IS NULL`);
      return unsent === 0;
    });
    await relay.stop();
    expect(done).toBe(true);
    expect(overlap).toBe(2);
    expect(await bus.streamMessages('OCPP')).toBe(before + 600);
    const [{ attempts, n }] = await bus.dataSource.query(`SELECT max(attempts)::int AS attempts, count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NOT NULL`, [ids]);
    expect({ attempts, n }).toEqual({ attempts: 1, n: 600 }); // every row published by exactly one pass
  });

  it('with OUTBOX_RETENTION_HOURS=0 the relay deletes each row once its stream acknowledged it', async () => {
    await bus.dataSource.query(`UPDATE outbox SET published_at = now() WHERE published_at IS NULL`); // leftovers of earlier tests
    const before = await bus.streamMessages('OCPP');
    const ids = await bus.dataSource.transaction((tx) => bus.writer.enqueueMany(tx, [1, 2].map(() => ({ subject, payload }))));
    expect(await bus.relay({ retentionHours: 0 }).drainOnce()).toEqual({ published: 2, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 2);
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [ids]);
    expect(n).toBe(0);
  });

  it('prunes rows past retention in bounded statements: one DELETE of a large backlog would outlast the statement timeout and never finish', async () => {
    await bus.dataSource.query(
      `INSERT INTO outbox (id, subject, schema_version, payload, source, published_at)
       SELECT gen_random_uuid(), 'ocpp.connector.status', 1, '{}', 'test', now() - interval '100 hours' FROM generate_series(1, 12000)`,
    );
    const recent = randomUUID();
    await bus.dataSource.query(`INSERT INTO outbox (id, subject, schema_version, payload, source, published_at) VALUES ($1, 'ocpp.connector.status', 1, '{}', 'test', now())`, [recent]);
    const deletes: string[] = [];
    const query = pg.Pool.prototype.query;
    const spy = jest.spyOn(pg.Pool.prototype, 'query').mockImplementation(function (this: pg.Pool, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].startsWith('DELETE FROM outbox ')) deletes.push(args[0]);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      const relay = bus.relay({ retentionHours: 72 });
      await relay.start();
      expect(await eventually(async () => (await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at < now() - interval '72 hours'`))[0].n === 0)).toBe(true);
      await relay.stop();
    } finally {
      spy.mockRestore();
    }
    expect(deletes.length).toBeGreaterThanOrEqual(3);
    expect(await bus.dataSource.query(`SELECT 1 FROM outbox WHERE id = $1`, [recent])).toHaveLength(1);
  });
});
