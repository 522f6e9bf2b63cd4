import { randomUUID } from 'node:crypto';
import { Headers, sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { OutboxFastPath, type OutboxFastPathOptions } from '../src/outbox/outbox.fast-path.js';
import { OutboxCommitHook } from '../src/outbox/outbox.commit-hook.js';
import { OutboxWriter, type OutboxStatement } from '../src/outbox/outbox.writer.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

describe('outbox fast path: publish right after commit (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  beforeAll(() => bus.setUp());
  afterAll(() => bus.tearDown());

  const fastPath = (overrides: Partial<OutboxFastPathOptions> = {}, nc: NatsConnection = bus.nc) => bus.fastPath({ ...overrides, nc });

  /** The statement form as rems-ingest uses it: one atomic statement, committed when the query resolves. */
  async function commitStatement(count: number, eventIds: string[] = []): Promise<OutboxStatement> {
    const s = bus.writer.statement(Array.from({ length: count }, (_, i) => ({ subject, payload, eventId: eventIds[i] })), 1);
    await bus.dataSource.query(`WITH ${s.cte} ${s.notify}`, s.params);
    return s;
  }

  async function unsent(ids: string[]): Promise<number> {
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL`, [ids]);
    return n;
  }

  it('publishes committed events at once, without any relay running, and marks their rows published', async () => {
    const before = await bus.streamMessages('OCPP');
    const f = fastPath();
    const s = await commitStatement(3);
    await f.publishAfterCommit(s);
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);
    expect(await eventually(async () => (await unsent(s.ids)) === 0)).toBe(true);

    // The same headers the relay would send, occurred_at included (the row's own value).
    const stored = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq: before + 1 });
    expect(stored?.header.get(Headers.EventId)).toBe(s.ids[0]);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(s.ids[0]);
    const [{ occurred_at }] = await bus.dataSource.query(`SELECT occurred_at FROM outbox WHERE id = $1`, [s.ids[0]]);
    expect(stored?.header.get(Headers.OccurredAt)).toBe((occurred_at as Date).toISOString());
    expect(stored?.json()).toEqual(payload);

    // The relay then finds nothing to publish again.
    expect(await bus.relay({ fastPathGraceMs: 0 }).drainOnce()).toEqual({ published: 0, failed: 0 });
  });

  it('publishes nothing of a statement that failed (rolled back)', async () => {
    const before = await bus.streamMessages('OCPP');
    const f = fastPath();
    const taken = (await commitStatement(1)).ids[0];
    await f.publishAfterCommit({ events: [] });
    const fresh = randomUUID();
    // The second row's id is taken: the whole statement fails, so the caller never reaches publishAfterCommit.
    let published = false;
    await expect(
      commitStatement(2, [fresh, taken]).then(async (s) => {
        published = true;
        await f.publishAfterCommit(s);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(published).toBe(false);
    expect(await bus.streamMessages('OCPP')).toBe(before); // `taken` itself was left to the relay
    const [{ n }] = await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = $1`, [fresh]);
    expect(n).toBe(0);
    await bus.relay({ fastPathGraceMs: 0 }).drainOnce();
  });

  it('does nothing when not enabled, and leaves events beyond its in-flight cap to the relay', async () => {
    const before = await bus.streamMessages('OCPP');
    const off = fastPath({ enabled: false });
    expect(off.enabled).toBe(false);
    const s1 = await commitStatement(2);
    await off.publishAfterCommit(s1);
    const capped = fastPath({ maxInFlight: 2 });
    const s2 = await commitStatement(3);
    const deferredBefore = (await bus.metrics.fastPathDeferred.get()).values[0]?.value ?? 0;
    await capped.publishAfterCommit(s2);
    expect((await bus.metrics.fastPathDeferred.get()).values[0]?.value).toBe(deferredBefore + 3);
    expect(await bus.streamMessages('OCPP')).toBe(before);
    expect(await unsent([...s1.ids, ...s2.ids])).toBe(5);
    expect(await bus.relay({ fastPathGraceMs: 0 }).drainOnce()).toEqual({ published: 5, failed: 0 });
    expect(await bus.streamMessages('OCPP')).toBe(before + 5);
  });

  it('a failed fast-path publish (NATS closed) leaves the row for the relay, which publishes it once to consumers', async () => {
    const before = await bus.streamMessages('OCPP');
    const closed = await bus.connection();
    await closed.close();
    const f = fastPath({}, closed);
    const s = await commitStatement(1);
    await f.publishAfterCommit(s); // never rejects: the failure is logged
    await f.stop();
    expect(await bus.streamMessages('OCPP')).toBe(before);
    expect(await unsent(s.ids)).toBe(1);

    // A relay with the fast path's grace leaves the fresh row alone, then takes it once it is older
    // (a grace of seconds: on a loaded machine 300 ms passed before the first drain).
    const relay = bus.relay({ fastPathGraceMs: 3_000, pollIntervalMs: 100 });
    expect(await relay.drainOnce()).toEqual({ published: 0, failed: 0 });
    await relay.start();
    expect(await eventually(async () => (await unsent(s.ids)) === 0, 15_000)).toBe(true);
    await relay.stop();
    expect(await bus.streamMessages('OCPP')).toBe(before + 1);

    const seen: string[] = [];
    const consumer = bus.consumer({
      durable: 'fast-path-fallback',
      stream: Streams.OCPP,
      filterSubject: subject,
      handler: async (event) => {
        seen.push(event.id);
      },
    });
    await consumer.start();
    expect(await eventually(() => seen.includes(s.ids[0]))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    await consumer.stop();
    expect(seen.filter((id) => id === s.ids[0])).toHaveLength(1);
  });

  it('an event published by both the fast path and the relay reaches the stream once', async () => {
    const before = await bus.streamMessages('OCPP');
    const s = await commitStatement(2);
    // The relay read the rows back before the fast path marked them (its grace was too short).
    await bus.relay({ fastPathGraceMs: 0 }).drainOnce();
    await fastPath().publishAfterCommit(s);
    expect(await bus.streamMessages('OCPP')).toBe(before + 2);
  });

  it('with deletePublished (OUTBOX_RETENTION_HOURS=0) deletes the rows its stream acknowledged', async () => {
    const before = await bus.streamMessages('OCPP');
    const f = fastPath({ deletePublished: true });
    const s = await commitStatement(3);
    await f.publishAfterCommit(s);
    expect(await bus.streamMessages('OCPP')).toBe(before + 3);
    const rows = async () => (await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [s.ids]))[0].n as number;
    expect(await eventually(async () => (await rows()) === 0)).toBe(true);
  });

  it('survives the server dropping its idle connection (restart, failover, DROP DATABASE) and marks with a new one', async () => {
    const f = fastPath({ deletePublished: true });
    const first = await commitStatement(1);
    await f.publishAfterCommit(first);
    const rows = async (ids: string[]) => (await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[])`, [ids]))[0].n as number;
    expect(await eventually(async () => (await rows(first.ids)) === 0)).toBe(true);
    // Its pool now holds an idle connection; without an error listener its termination was an unhandled 'error' event.
    const [{ n }] = await bus.dataSource.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'outbox-fast-path' AND datname = current_database()`,
    );
    expect(n).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 200));
    const second = await commitStatement(1);
    await f.publishAfterCommit(second);
    expect(await eventually(async () => (await rows(second.ids)) === 0)).toBe(true);
  });

  describe('events written inside TypeORM transactions (OutboxCommitHook)', () => {
    let f: OutboxFastPath;
    let writer: OutboxWriter;
    beforeAll(() => {
      f = fastPath();
      writer = new OutboxWriter('test', f);
      bus.dataSource.subscribers.push(new OutboxCommitHook(f));
    });
    afterAll(() => {
      bus.dataSource.subscribers.splice(0, bus.dataSource.subscribers.length);
    });

    const stored = async (ids: string[]) => (await bus.dataSource.query(`SELECT id FROM outbox WHERE id = ANY($1::uuid[])`, [ids])).map((r: { id: string }) => r.id);

    it('publishes them once the transaction has committed, without NOTIFY and without a relay', async () => {
      const before = await bus.streamMessages('OCPP');
      let ids: string[] = [];
      let duringTx = -1;
      await bus.dataSource.transaction(async (tx) => {
        ids = await writer.enqueueMany(tx, [
          { subject, payload },
          { subject, payload },
        ]);
        await new Promise((r) => setTimeout(r, 100));
        duringTx = await bus.streamMessages('OCPP');
      });
      expect(duringTx).toBe(before); // nothing reached the bus before the commit
      expect(await eventually(async () => (await bus.streamMessages('OCPP')) === before + 2)).toBe(true);
      expect(await eventually(async () => (await unsent(ids)) === 0)).toBe(true);
    });

    it('publishes nothing of a rolled-back transaction, and only the outer events when a savepoint rolls back', async () => {
      const before = await bus.streamMessages('OCPP');
      await expect(
        bus.dataSource.transaction(async (tx) => {
          await writer.enqueue(tx, subject, payload);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');

      let outer = '';
      let inner = '';
      await bus.dataSource.transaction(async (tx) => {
        outer = await writer.enqueue(tx, subject, payload);
        const qr = tx.queryRunner!;
        await qr.startTransaction();
        inner = await writer.enqueue(tx, subject, payload);
        await qr.rollbackTransaction();
      });
      expect(await stored([outer, inner])).toEqual([outer]);
      expect(await eventually(async () => (await unsent([outer])) === 0)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(await bus.streamMessages('OCPP')).toBe(before + 1);
      const last = await bus.jsm.streams.getMessage(bus.names.stream('OCPP'), { seq: before + 1 });
      expect(last?.header.get(Headers.EventId)).toBe(outer);
    });
  });
});
