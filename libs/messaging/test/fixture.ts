import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createDatabase, deleteStreams, dropDatabase, testServers, uniqueSuffix } from '@cpo/testing';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { BusNames } from '../src/bus-names.js';
import type { ConsumerSpec } from '../src/consumer/consumer-spec.js';
import { DurableConsumer } from '../src/consumer/durable-consumer.js';
import { MessagingMetrics } from '../src/metrics.js';
import { ensureStreams } from '../src/nats/streams.js';
import { OutboxFastPath, type OutboxFastPathOptions } from '../src/outbox/outbox.fast-path.js';
import { OutboxRelay, type OutboxRelayOptions } from '../src/outbox/outbox.relay.js';
import { OutboxWriter } from '../src/outbox/outbox.writer.js';
import { packedOutboxSchema } from '../src/outbox/outbox.packed.js';
import { messagingSchema } from '../src/outbox/schema.js';
import { MessagingInboxAttempts1765500000000 } from '../src/consumer/unfinished-attempts.js';
import type { EventSubject } from '@cpo/contracts';

class TestSchema1700000000000 implements MigrationInterface {
  name = 'TestSchema1700000000000';
  async up(q: QueryRunner) {
    await messagingSchema.up(q);
    await packedOutboxSchema.up(q);
    await new MessagingInboxAttempts1765500000000().up(q);
    // Side effects of test handlers. No unique key on purpose: a double application shows up as two rows.
    await q.query(`CREATE TABLE applied (event_id uuid NOT NULL, consumer text NOT NULL, delivery int NOT NULL)`);
  }
  async down() {}
}

/** Real PostgreSQL database, real JetStream streams, both unique to one test file's run. */
export class BusFixture {
  readonly suffix = uniqueSuffix();
  readonly database = `msg_t_${this.suffix}`;
  readonly names = new BusNames(`t_${this.suffix}`);
  readonly logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  readonly registry = new Registry();
  readonly metrics = new MessagingMetrics(this.registry);
  readonly writer = new OutboxWriter('test');
  databaseUrl!: string;
  dataSource!: DataSource;
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;
  private readonly extra: { close(): Promise<void> }[] = [];

  async setUp(): Promise<this> {
    this.databaseUrl = await createDatabase(this.database);
    this.dataSource = new DataSource({ type: 'postgres', url: this.databaseUrl, migrations: [TestSchema1700000000000], extra: { max: 8 } });
    await this.dataSource.initialize();
    await this.dataSource.runMigrations();
    this.nc = await connect({ servers: testServers.nats });
    this.js = jetstream(this.nc);
    this.jsm = await jetstreamManager(this.nc);
    await ensureStreams(this.jsm, this.names, 1);
    return this;
  }

  async tearDown(): Promise<void> {
    for (const e of this.extra.reverse()) await e.close().catch(() => undefined);
    await this.nc?.close();
    await this.dataSource?.destroy();
    await dropDatabase(this.database);
    await deleteStreams(this.names.prefix);
  }

  /** An enabled fast path on this database and bus (2 s PubAck timeout), stopped by tearDown. */
  fastPath(overrides: Partial<OutboxFastPathOptions> = {}): OutboxFastPath {
    const f = new OutboxFastPath({ enabled: true, databaseUrl: this.databaseUrl, nc: this.nc, names: this.names, logger: this.logger, metrics: this.metrics, publishTimeoutMs: 2000, ...overrides });
    this.extra.push({ close: () => f.stop() });
    return f;
  }

  relay(overrides: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    const relay = new OutboxRelay({
      databaseUrl: this.databaseUrl,
      js: this.js,
      names: this.names,
      logger: this.logger,
      metrics: this.metrics,
      batchSize: 500,
      pollIntervalMs: 1000,
      retentionHours: 72,
      ...overrides,
    });
    this.extra.push({ close: () => relay.stop() });
    return relay;
  }

  consumer<S extends EventSubject>(spec: ConsumerSpec<S>, nc: NatsConnection = this.nc): DurableConsumer<S> {
    const c = new DurableConsumer<S>(spec, {
      js: nc === this.nc ? this.js : jetstream(nc),
      jsm: this.jsm,
      names: this.names,
      dataSource: this.dataSource,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.extra.push({ close: () => c.stop() });
    return c;
  }

  /** Another client connection, e.g. to kill abruptly. */
  async connection(): Promise<NatsConnection> {
    const nc = await connect({ servers: testServers.nats });
    this.extra.push({ close: () => nc.close() });
    return nc;
  }

  async streamMessages(stream: string): Promise<number> {
    return (await this.jsm.streams.info(this.names.stream(stream))).state.messages;
  }

  async appliedRows(consumer: string): Promise<{ total: number; distinct: number }> {
    const [r] = await this.dataSource.query(
      `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE consumer = $1`,
      [consumer],
    );
    return r;
  }

  async counter(name: string, labels: Record<string, string>): Promise<number> {
    const metric = (await this.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return Number(value?.value ?? 0);
  }
}
