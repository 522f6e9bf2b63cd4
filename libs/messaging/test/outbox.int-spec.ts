import { randomUUID } from 'node:crypto';
import { Headers, sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
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

  it('refuses to write outside a transaction', async () => {
    await expect(bus.writer.enqueue(bus.dataSource.manager, subject, payload)).rejects.toThrow(/open transaction/);
  });
});
