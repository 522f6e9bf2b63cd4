import { Headers, sampleEvents, Streams, Subjects } from '@cpo/contracts';
import { UnavailableError } from '@cpo/platform';
import { eventually } from '@cpo/testing';
import { jetstream } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import type { ConsumerSpec } from '../src/consumer/consumer-spec.js';
import { DurableConsumer } from '../src/consumer/durable-consumer.js';
import { EventPublisher } from '../src/publisher.js';
import { BusFixture } from './fixture.js';

const subject = Subjects.OcppConnectorStatus;
type Spec = ConsumerSpec<typeof subject>;

/**
 * An event whose processing kills the process. A "process" here is a NATS connection, a database
 * pool and a consumer of their own; its death closes the connection without settling anything and
 * terminates its database sessions (so its open transaction rolls back), as a real death would.
 */
describe('durable consumers: an event that kills every process handling it (real PostgreSQL + JetStream)', () => {
  const bus = new BusFixture();
  let publisher: EventPublisher;
  beforeAll(async () => {
    await bus.setUp();
    publisher = new EventPublisher(bus.js, bus.names, bus.metrics, 'test');
  });
  afterAll(() => bus.tearDown());

  async function life(n: number, spec: Spec): Promise<{ die(): Promise<void> }> {
    const nc = await bus.connection();
    const appName = `crash-loop-life-${n}`;
    const db = new DataSource({ type: 'postgres', url: bus.databaseUrl, extra: { max: 2, application_name: appName } });
    await db.initialize();
    const consumer = new DurableConsumer(spec, { js: jetstream(nc), jsm: bus.jsm, names: bus.names, dataSource: db, logger: bus.logger, metrics: bus.metrics });
    await consumer.start();
    return {
      async die() {
        await nc.close();
        await bus.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [appName]);
      },
    };
  }

  it('dead-letters it after maxUnfinished lone attempts the process did not survive, instead of crash-looping every replica', async () => {
    const poison = await publisher.publish(subject, { ...sampleEvents[subject], stationId: 'KILLER' });
    const good = await publisher.publish(subject, sampleEvents[subject]);
    const attempts: number[] = [];
    let entered: () => void = () => undefined;
    const spec: Spec = {
      durable: 'crash-loop',
      stream: Streams.OCPP,
      filterSubject: subject,
      maxDeliver: 1,
      maxUnfinished: 2,
      ackWaitMs: 1000,
      backoffMs: [50],
      handler: async (event, tx) => {
        if (event.payload.stationId === 'KILLER') {
          attempts.push(event.deliveryCount);
          entered();
          return new Promise<void>(() => undefined); // the process dies in here
        }
        await tx.query(`INSERT INTO applied VALUES ($1, 'crash-loop', $2)`, [event.id, event.deliveryCount]);
      },
    };
    // Delivery 1 in a batch, deliveries 2 and 3 alone (overdue): three deaths.
    for (let n = 1; n <= 3; n++) {
      const reached = new Promise<void>((resolve) => (entered = resolve));
      const process = await life(n, spec);
      await reached;
      await process.die();
    }
    expect(attempts).toEqual([1, 2, 3]);

    const survivor = bus.consumer(spec);
    await survivor.start();
    expect(await eventually(async () => (await bus.counter('bus_dead_letters_total', { consumer: 'crash-loop', reason: 'unfinished' })) === 1, 20_000)).toBe(true);
    expect(await eventually(async () => (await bus.appliedRows('crash-loop')).total === 1, 10_000)).toBe(true);
    await survivor.stop();

    expect(attempts).toEqual([1, 2, 3]); // not attempted a fourth time
    const dlq = await bus.jsm.streams.getMessage(bus.names.stream('DEADLETTER'), { last_by_subj: bus.names.subject('dlq.crash-loop') });
    expect(dlq?.header.get(Headers.EventId)).toBe(poison);
    expect(dlq?.header.get(Headers.DeadLetterReason)).toMatch(/^unfinished: 2 attempts at it never finished/);
    const [applied] = await bus.dataSource.query(`SELECT event_id FROM applied WHERE consumer = 'crash-loop'`);
    expect(applied.event_id).toBe(good);
    expect(await bus.dataSource.query(`SELECT * FROM inbox_attempts WHERE consumer = 'crash-loop'`)).toEqual([]);
  });

  it('does not count lone attempts that ended, however often the database was unavailable for them', async () => {
    const id = await publisher.publish(subject, { ...sampleEvents[subject], stationId: 'OUTAGE' });
    const deliveries: number[] = [];
    const consumer = bus.consumer<typeof subject>({
      durable: 'outage',
      stream: Streams.OCPP,
      filterSubject: subject,
      maxDeliver: 1,
      maxUnfinished: 1,
      backoffMs: [50],
      handler: async (event, tx) => {
        if (event.payload.stationId !== 'OUTAGE') return;
        deliveries.push(event.deliveryCount);
        if (event.deliveryCount <= 4) throw new UnavailableError('reference data store unreachable');
        await tx.query(`INSERT INTO applied VALUES ($1, 'outage', $2)`, [event.id, event.deliveryCount]);
      },
    });
    await consumer.start();
    expect(await eventually(async () => (await bus.appliedRows('outage')).total === 1, 20_000)).toBe(true);
    await consumer.stop();

    expect(deliveries).toEqual([1, 2, 3, 4, 5]);
    expect(await bus.counter('bus_dead_letters_total', { consumer: 'outage', reason: 'unfinished' })).toBe(0);
    const [row] = await bus.dataSource.query(`SELECT event_id FROM applied WHERE consumer = 'outage'`);
    expect(row.event_id).toBe(id);
    expect(await bus.dataSource.query(`SELECT * FROM inbox_attempts WHERE consumer = 'outage'`)).toEqual([]);
  });
});
