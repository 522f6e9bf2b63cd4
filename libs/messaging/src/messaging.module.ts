import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, HealthRegistry, MetricsService, ROOT_LOGGER, type PlatformConfig } from '@cpo/platform';
import type { EventSubject } from '@cpo/contracts';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { BusNames } from './bus-names.js';
import type { ConsumerSpec } from './consumer/consumer-spec.js';
import { DurableConsumer } from './consumer/durable-consumer.js';
import { MessagingMetrics } from './metrics.js';
import { checkNats, connectNats } from './nats/connection.js';
import { StreamGuard } from './nats/stream-guard.js';
import { ensureStreams } from './nats/streams.js';
import { OutboxCommitHook } from './outbox/outbox.commit-hook.js';
import { OutboxFastPath } from './outbox/outbox.fast-path.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxWriter } from './outbox/outbox.writer.js';
import { EventPublisher } from './publisher.js';
import { BusRequester, BusResponder } from './rpc/request-reply.js';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const JETSTREAM = Symbol('JETSTREAM');
export const JETSTREAM_MANAGER = Symbol('JETSTREAM_MANAGER');
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Per-app choices of the bus wiring (everything else comes from the platform config). */
export interface MessagingOptions {
  /**
   * Outbox relay passes in flight at once (default 1); 2 for a producer of thousands of events a
   * second. Events of different passes may then reach the stream in either order (see
   * OutboxRelayOptions.concurrency), as with several replicas.
   */
  relayConcurrency?: number;
  /**
   * Publish outbox events right after their transaction commits, from the writer's own copies
   * (`OutboxFastPath.publishAfterCommit`), instead of waiting for the relay to read them back; the
   * relay then only takes rows older than a grace period (what the fast path did not publish) and
   * polls instead of waking on NOTIFY. Default off. For producers whose ingest lag matters.
   */
  fastPublish?: boolean;
  /** Fast-path events published but not yet marked, at most (default 20,000); beyond it the relay takes them. */
  fastPublishMaxInFlight?: number;
  /** Age (ms) after which the relay takes an unpublished row when fastPublish is on (default 2000). */
  fastPublishGraceMs?: number;
}

/**
 * Where features register their durable consumers (in onModuleInit). They
 * start after the whole app has booted and migrated, and stop first on shutdown.
 */
@Injectable()
export class ConsumerHost {
  private readonly consumers: DurableConsumer[] = [];
  private started = false;

  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(APP_CONFIG) private readonly config: PlatformConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly names: BusNames,
    private readonly dataSource: DataSource,
    private readonly metrics: MessagingMetrics,
    private readonly streams: StreamGuard,
  ) {}

  register<S extends EventSubject>(spec: ConsumerSpec<S>): DurableConsumer<S> {
    if (this.started) throw new Error(`consumer ${spec.durable} registered after start`);
    const consumer = new DurableConsumer<S>(
      { maxDeliver: this.config.CONSUMER_MAX_DELIVER, ackWaitMs: this.config.CONSUMER_ACK_WAIT_MS, ...spec },
      { js: this.js, jsm: this.jsm, names: this.names, dataSource: this.dataSource, logger: this.logger, metrics: this.metrics, streams: this.streams },
    );
    this.consumers.push(consumer as unknown as DurableConsumer);
    return consumer;
  }

  async startAll(): Promise<void> {
    this.started = true;
    for (const c of this.consumers) await c.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  /** Readiness: the durables gone from the server and not re-created yet (their stream is not back). */
  missing(): string[] {
    return this.consumers.flatMap((c) => (c.missing ? [`${c.name} (${c.missing})`] : []));
  }
}

/**
 * Readiness of the bus beyond the connection: the streams this service publishes to exist (or were
 * re-created: StreamGuard) and every durable it consumes from is consuming. Cheap: both report the
 * state their loops last saw, without asking JetStream on each probe.
 */
export function checkBus(streams: StreamGuard, consumers: ConsumerHost): Record<string, unknown> {
  streams.check();
  const missing = consumers.missing();
  if (missing.length > 0) throw new Error(`durable consumers not consuming: ${missing.join(', ')}`);
  return {};
}

@Module({})
export class MessagingModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(APP_CONFIG) private readonly config: PlatformConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly names: BusNames,
    private readonly health: HealthRegistry,
    private readonly metrics: MessagingMetrics,
    private readonly consumers: ConsumerHost,
    private readonly responder: BusResponder,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly fastPath: OutboxFastPath,
    private readonly dataSource: DataSource,
    private readonly streams: StreamGuard,
  ) {}

  static forRoot(options: MessagingOptions = {}): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: NATS_CONNECTION,
          inject: [APP_CONFIG, ROOT_LOGGER],
          useFactory: (c: PlatformConfig, logger: Logger) =>
            connectNats({ servers: c.NATS_URL, name: c.SERVICE_NAME, user: c.NATS_USER, pass: c.NATS_PASSWORD }, logger.child({ component: 'nats' })),
        },
        { provide: JETSTREAM, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => jetstream(nc) },
        { provide: JETSTREAM_MANAGER, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => jetstreamManager(nc) },
        { provide: BusNames, inject: [APP_CONFIG], useFactory: (c: PlatformConfig) => new BusNames(c.NATS_SUBJECT_PREFIX ?? '') },
        { provide: MessagingMetrics, inject: [MetricsService], useFactory: (m: MetricsService) => new MessagingMetrics(m.registry) },
        {
          provide: StreamGuard,
          inject: [JETSTREAM_MANAGER, BusNames, APP_CONFIG, ROOT_LOGGER],
          useFactory: (jsm: JetStreamManager, n: BusNames, c: PlatformConfig, l: Logger) =>
            new StreamGuard({ jsm, names: n, replicas: c.NATS_STREAM_REPLICAS, logger: l.child({ component: 'stream-guard' }) }),
        },
        {
          provide: OutboxFastPath,
          inject: [NATS_CONNECTION, BusNames, MessagingMetrics, APP_CONFIG, ROOT_LOGGER],
          useFactory: (nc: NatsConnection, n: BusNames, m: MessagingMetrics, c: PlatformConfig, l: Logger) =>
            new OutboxFastPath({
              enabled: options.fastPublish === true,
              databaseUrl: c.DATABASE_URL,
              database: c,
              nc,
              names: n,
              metrics: m,
              logger: l.child({ component: 'outbox-fast-path' }),
              maxInFlight: options.fastPublishMaxInFlight,
              deletePublished: c.OUTBOX_RETENTION_HOURS === 0,
            }),
        },
        { provide: OutboxWriter, inject: [APP_CONFIG, OutboxFastPath], useFactory: (c: PlatformConfig, f: OutboxFastPath) => new OutboxWriter(c.SERVICE_NAME, f) },
        {
          provide: EventPublisher,
          inject: [JETSTREAM, BusNames, MessagingMetrics, APP_CONFIG, StreamGuard],
          useFactory: (js: JetStreamClient, n: BusNames, m: MessagingMetrics, c: PlatformConfig, g: StreamGuard) => new EventPublisher(js, n, m, c.SERVICE_NAME, g),
        },
        {
          provide: BusRequester,
          inject: [NATS_CONNECTION, BusNames, MessagingMetrics, APP_CONFIG],
          useFactory: (nc: NatsConnection, n: BusNames, m: MessagingMetrics, c: PlatformConfig) => new BusRequester(nc, n, m, c.SERVICE_NAME),
        },
        {
          provide: BusResponder,
          inject: [NATS_CONNECTION, BusNames, ROOT_LOGGER],
          useFactory: (nc: NatsConnection, n: BusNames, l: Logger) => new BusResponder(nc, n, l.child({ component: 'responder' })),
        },
        ConsumerHost,
      ],
      exports: [NATS_CONNECTION, JETSTREAM, JETSTREAM_MANAGER, BusNames, StreamGuard, MessagingMetrics, OutboxWriter, OutboxFastPath, EventPublisher, BusRequester, BusResponder, ConsumerHost],
    };
  }

  async onModuleInit(): Promise<void> {
    await ensureStreams(this.jsm, this.names, this.config.NATS_STREAM_REPLICAS);
    this.health.register('nats', () => checkNats(this.nc));
    this.health.register('jetstream', () => Promise.resolve().then(() => checkBus(this.streams, this.consumers)));
    // With the fast path, events written inside TypeORM transactions are published as each commits.
    if (this.fastPath.enabled) this.dataSource.subscribers.push(new OutboxCommitHook(this.fastPath));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay = new OutboxRelay({
      databaseUrl: this.config.DATABASE_URL,
      database: this.config,
      js: this.js,
      nc: this.nc,
      names: this.names,
      logger: this.logger.child({ component: 'outbox-relay' }),
      metrics: this.metrics,
      batchSize: this.config.OUTBOX_BATCH_SIZE,
      pollIntervalMs: this.config.OUTBOX_POLL_INTERVAL_MS,
      retentionHours: this.config.OUTBOX_RETENTION_HOURS,
      concurrency: this.options.relayConcurrency,
      fastPathGraceMs: this.fastPath.enabled ? (this.options.fastPublishGraceMs ?? 2000) : undefined,
      fastPath: this.fastPath.enabled ? this.fastPath : undefined,
      streams: this.streams,
    });
    await this.relay.start();
    await this.consumers.startAll();
  }

  /** Stop taking work: consumers finish their batch and hand back the rest; responders drain. */
  async onModuleDestroy(): Promise<void> {
    await this.consumers.stopAll();
    await this.responder.drain();
  }

  /** After HTTP is closed: finish the fast-path publishes and the outbox pass in progress, then drain the connection. */
  async onApplicationShutdown(): Promise<void> {
    await this.fastPath.stop();
    await this.relay?.stop();
    if (!this.nc.isClosed()) await this.nc.drain().catch((err: unknown) => this.logger.warn({ err }, 'nats drain failed'));
  }
}
