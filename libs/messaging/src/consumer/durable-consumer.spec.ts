import { randomUUID } from 'node:crypto';
import { deadLetterSubject, Headers, sampleEvents, Streams, Subjects } from '@cpo/contracts';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { BusNames } from '../bus-names.js';
import { MessagingMetrics } from '../metrics.js';
import { DurableConsumer } from './durable-consumer.js';
import { isInfrastructureError } from './infrastructure-error.js';

const subject = Subjects.OcppConnectorStatus;
const names = new BusNames('t');

interface FakeMsg {
  msg: JsMsg;
  settled: Promise<'ack' | 'nak'>;
  nakDelay?: number;
}

/** A delivery as JetStream hands it over: a valid event, `deliveryCount` as given. */
function delivery(deliveryCount: number, id = randomUUID()): FakeMsg {
  const h = natsHeaders();
  h.set(Headers.EventId, id);
  h.set(Headers.SchemaVersion, '1');
  h.set(Headers.Source, 'test');
  let settle!: (how: 'ack' | 'nak') => void;
  const fake: FakeMsg = { msg: undefined as unknown as JsMsg, settled: new Promise((resolve) => (settle = resolve)) };
  fake.msg = {
    subject: names.subject(subject),
    data: new TextEncoder().encode(JSON.stringify(sampleEvents[subject])),
    headers: h,
    info: { deliveryCount, pending: 0, streamSequence: deliveryCount },
    ack: () => settle('ack'),
    nak: (delay?: number) => {
      fake.nakDelay = delay;
      settle('nak');
    },
  } as unknown as JsMsg;
  return fake;
}

/** A consumer on fakes: `transaction` stands for the database, `deadLettered` for the DLQ stream. */
async function consumerWith(transaction: (work: (tx: EntityManager) => Promise<void>) => Promise<void>, handler: () => Promise<void> = async () => undefined) {
  let deliver!: (msg: JsMsg) => void;
  const deadLettered: string[] = [];
  const js = {
    consumers: { get: async () => ({ consume: async ({ callback }: { callback: (m: JsMsg) => void }) => ((deliver = callback), { close: async () => undefined }) }) },
    publish: async (subj: string) => {
      deadLettered.push(subj);
      return { stream: 'DEADLETTER', seq: 1, duplicate: false };
    },
  } as unknown as JetStreamClient;
  const jsm = { consumers: { info: async () => ({}), update: async () => ({}) } } as unknown as JetStreamManager;
  // query(): the record of a lone attempt (UnfinishedAttempts), never an unfinished one here.
  const dataSource = { transaction, query: async (sql: string) => (sql.trim().startsWith('INSERT') ? [{ unfinished: 1 }] : []) } as unknown as DataSource;
  const metrics = new MessagingMetrics(new Registry());
  const consumer = new DurableConsumer(
    { durable: 'spec', stream: Streams.OCPP, filterSubject: subject, handler, maxDeliver: 5, pendingRefreshMs: 0 },
    { js, jsm, names, dataSource, logger: pino({ level: 'silent' }), metrics },
  );
  await consumer.start();
  return { deliver: (m: FakeMsg) => deliver(m.msg), deadLettered, stop: () => consumer.stop() };
}

/** A transaction whose handler runs against a database that answers: claims every event as new. */
const workingDatabase = async (work: (tx: EntityManager) => Promise<void>) =>
  work({ query: async (_sql: string, params: unknown[]) => (params[1] as string[]).map((id) => ({ event_id: id })) } as unknown as EntityManager);

describe('DurableConsumer: an outage is never the message\'s fault', () => {
  it('only naks, with back-off, while the database refuses connections, however often a message was delivered', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 });
    const c = await consumerWith(() => Promise.reject(refused));
    for (let n = 1; n <= 7; n++) {
      const m = delivery(n);
      c.deliver(m);
      expect(await m.settled).toBe('nak');
      expect(m.nakDelay).toBeGreaterThan(0);
    }
    expect(c.deadLettered).toEqual([]);
    await c.stop();
  });

  it('naks without blaming the message when the database drops the connection inside its handler', async () => {
    const terminated = new Error('Connection terminated unexpectedly');
    const c = await consumerWith(workingDatabase, () => Promise.reject(Object.assign(new Error('query failed'), { driverError: terminated })));
    const m = delivery(6);
    c.deliver(m);
    expect(await m.settled).toBe('nak');
    expect(c.deadLettered).toEqual([]);
    await c.stop();
  });

  it('dead-letters a message whose handler keeps failing (a bug) once it reached maxDeliver', async () => {
    const c = await consumerWith(workingDatabase, () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'connectorId')")));
    const early = delivery(3);
    c.deliver(early);
    expect(await early.settled).toBe('nak');
    expect(c.deadLettered).toEqual([]);
    const late = delivery(6);
    c.deliver(late);
    expect(await late.settled).toBe('ack');
    expect(c.deadLettered).toEqual([names.subject(deadLetterSubject('spec'))]);
    await c.stop();
  });

  it('processes a message delivered more than maxDeliver times (after an outage) instead of dead-lettering it unseen', async () => {
    const c = await consumerWith(workingDatabase);
    const m = delivery(9);
    c.deliver(m);
    expect(await m.settled).toBe('ack');
    expect(c.deadLettered).toEqual([]);
    await c.stop();
  });
});

describe('isInfrastructureError', () => {
  it('tells an unreachable dependency from a failure of the message', () => {
    const pg = (code: string) => Object.assign(new Error('pg'), { code });
    for (const e of [pg('08006'), pg('57P01'), pg('57P03'), pg('53300'), pg('40P01'), pg('40001'), pg('ECONNRESET'), new AggregateError([pg('ECONNREFUSED')]), new Error('x', { cause: pg('08001') })]) {
      expect(isInfrastructureError(e)).toBe(true);
    }
    for (const e of [pg('23505'), pg('22P02'), pg('57014'), new TypeError('bug'), 'string', undefined]) expect(isInfrastructureError(e)).toBe(false);
  });
});
