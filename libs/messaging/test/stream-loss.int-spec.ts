import { randomUUID } from 'node:crypto';
import { sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import { StreamGuard } from '../src/nats/stream-guard.js';
import { ensureStreams } from '../src/nats/streams.js';
import { EventPublisher } from '../src/publisher.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
const payload = sampleEvents[subject];

/**
 * NATS restarted without its JetStream storage (memory storage, a new volume, a rebuilt cluster),
 * simulated by deleting this run's own prefixed streams: a deleted stream loses its messages and
 * its durable consumers, as such a restart does. The services must heal without a restart.
 */
describe('JetStream streams lost under running services (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  let guard: StreamGuard;
  beforeAll(async () => {
    await bus.setUp();
    guard = new StreamGuard({ jsm: bus.jsm, names: bus.names, replicas: 1, logger: bus.logger, minIntervalMs: 500 });
  });
  afterAll(() => bus.tearDown());
  // Each case starts from the streams as at boot, whatever the one before left.
  beforeEach(() => ensureStreams(bus.jsm, bus.names, 1));

  const dropStream = (name: string) => bus.jsm.streams.delete(bus.names.stream(name));
  const unpublished = async () => Number((await bus.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))[0].n);

  it('the relay re-creates the streams it publishes to and publishes the waiting rows (503 no responders)', async () => {
    const relay = bus.relay({ streams: guard, pollIntervalMs: 100 });
    await relay.start();
    await dropStream('OCPP');
    const id = randomUUID();
    await bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, subject, payload, { eventId: id }));

    expect(await eventually(async () => (await unpublished()) === 0, 10_000)).toBe(true);
    expect(await bus.streamMessages('OCPP')).toBe(1);
    expect(guard.check()).toEqual({});
    await relay.stop();
  });

  it('also when a core subscriber on the subject turns the 503 into a PubAck timeout', async () => {
    const tap = bus.nc.subscribe(bus.names.subject(subject));
    const relay = bus.relay({ streams: guard, pollIntervalMs: 100, publishTimeoutMs: 500 });
    await relay.start();
    await dropStream('OCPP');
    await bus.dataSource.transaction((tx) => bus.writer.enqueue(tx, subject, payload));

    expect(await eventually(async () => (await unpublished()) === 0, 10_000)).toBe(true);
    expect(await bus.streamMessages('OCPP')).toBe(1);
    await relay.stop();
    tap.unsubscribe();
  });

  it('a direct publish re-creates the streams and is stored', async () => {
    await dropStream('OCPP');
    await new Promise((r) => setTimeout(r, 600)); // past the guard's interval
    const publisher = new EventPublisher(bus.js, bus.names, bus.metrics, 'test', guard);
    await publisher.publish(subject, payload);
    expect(await bus.streamMessages('OCPP')).toBe(1);
  });

  it('a durable consumer whose stream was lost reports itself missing, then is re-created once the stream is back, and consumes again', async () => {
    const publisher = new EventPublisher(bus.js, bus.names, bus.metrics, 'test');
    const consumer = bus.consumer<typeof subject>({
      durable: 'loses-stream',
      stream: Streams.OCPP,
      filterSubject: subject,
      recreateRetryMs: [100],
      handler: async (event, tx) => {
        await tx.query(`INSERT INTO applied VALUES ($1, 'loses-stream', $2)`, [event.id, event.deliveryCount]);
      },
    });
    await consumer.start();
    await publisher.publish(subject, payload);
    expect(await eventually(async () => (await bus.appliedRows('loses-stream')).total >= 1)).toBe(true);

    // Gone, and owned by another service that has not put it back yet: not ready meanwhile.
    await dropStream('OCPP');
    expect(await eventually(() => consumer.missing !== undefined, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(consumer.missing).toBeDefined();

    // The owner restarts and ensures its stream; an event published now must reach the consumer.
    await ensureStreams(bus.jsm, bus.names, 1, [Streams.OCPP]);
    const after = await publisher.publish(subject, payload);
    expect(await eventually(async () => (await bus.dataSource.query(`SELECT 1 FROM applied WHERE event_id = $1`, [after])).length === 1, 10_000)).toBe(true);
    expect(consumer.missing).toBeUndefined();
    const info = await bus.jsm.consumers.info(bus.names.stream('OCPP'), bus.names.durable('loses-stream'));
    expect(info.config.deliver_policy).toBe('all');
    expect(info.config.max_deliver).toBe(-1);
    const rows = await bus.appliedRows('loses-stream');
    expect(rows.total).toBe(rows.distinct);
    await consumer.stop();
  }, 30_000);

  it('a durable deleted while its stream stays is re-created; the replay it receives is recognised by the inbox', async () => {
    const publisher = new EventPublisher(bus.js, bus.names, bus.metrics, 'test');
    const consumer = bus.consumer<typeof subject>({
      durable: 'loses-durable',
      stream: Streams.OCPP,
      filterSubject: subject,
      recreateRetryMs: [100],
      handler: async (event, tx) => {
        await tx.query(`INSERT INTO applied VALUES ($1, 'loses-durable', $2)`, [event.id, event.deliveryCount]);
      },
    });
    await consumer.start();
    const first = await publisher.publish(subject, payload);
    expect(await eventually(async () => (await bus.dataSource.query(`SELECT 1 FROM applied WHERE event_id = $1`, [first])).length === 1)).toBe(true);

    await bus.jsm.consumers.delete(bus.names.stream('OCPP'), bus.names.durable('loses-durable'));
    const second = await publisher.publish(subject, payload);
    expect(await eventually(async () => (await bus.dataSource.query(`SELECT 1 FROM applied WHERE event_id = $1`, [second])).length === 1, 15_000)).toBe(true);
    // Deliver-all replays the whole stream to the new durable; every event was applied once.
    const rows = await bus.appliedRows('loses-durable');
    expect(rows.total).toBe(rows.distinct);
    await consumer.stop();
  }, 30_000);
});
