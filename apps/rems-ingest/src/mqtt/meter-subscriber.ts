import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, HealthRegistry, REDIS, ROOT_LOGGER } from '@cpo/platform';
import { parseHexFrame } from '@cpo/rems-protocol';
import type { Redis } from 'ioredis';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RemsIngestConfig } from '../config.js';
import { DeviceDirectory } from '../meter/device-directory.js';
import { IngestMetrics } from '../meter/ingest.metrics.js';
import { IngestService } from '../meter/ingest.service.js';
import { MqttMeterPayload } from '../meter/meter.dto.js';
import { RejectedRepository, type RejectReason } from '../meter/rejected.repository.js';
import { DedupWindow } from './dedup-window.js';
import { connectMeterClient } from './meter-connection.js';
import { meterTopics, versionOfMeterTopic, type MqttVersion } from './topics.js';

/**
 * Meter frames over MQTT (§6): `{root}/mqtt3/meter` and `{root}/mqtt5/meter`, QoS 1, through the
 * subscriber's own connections and persistent sessions (see connectMeterClient). Replicas and
 * connections share the topics through an MQTT shared subscription. There is no reply channel,
 * so every message that cannot be ingested is kept in `rejected_message` with its reason and
 * counted; QoS 1 redeliveries (same transceiver, port and frame within the window) are dropped
 * and counted.
 */
@Injectable()
export class MqttMeterSubscriber implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly topics: string[];
  private readonly clients: MqttClient[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private readonly dedup: DedupWindow;

  constructor(
    private readonly health: HealthRegistry,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: RemsIngestConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROOT_LOGGER) root: Logger,
    private readonly directory: DeviceDirectory,
    private readonly ingest: IngestService,
    private readonly rejected: RejectedRepository,
    private readonly metrics: IngestMetrics,
  ) {
    this.logger = root.child({ component: 'mqtt-meter' });
    this.topics = meterTopics(config.REMS_MQTT_TOPIC_ROOT);
    this.dedup = new DedupWindow(redis, config.REMS_MQTT_TOPIC_ROOT, config.REMS_MQTT_DEDUP_SECONDS);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.REMS_MQTT_INGEST_ENABLED) return;
    const c = this.config;
    const group = c.REMS_MQTT_SHARED_GROUP;
    if (!group && c.REMS_MQTT_CONNECTIONS > 1) throw new Error('REMS_MQTT_CONNECTIONS > 1 needs REMS_MQTT_SHARED_GROUP, or every connection gets every message');
    const filters = this.topics.map((topic) => (group ? `$share/${group}/${topic}` : topic));
    // Several connections in one shared-subscription group multiply the broker's per-client
    // in-flight window; the broker spreads the messages over them.
    for (let i = 0; i < c.REMS_MQTT_CONNECTIONS; i++) {
      const client = await connectMeterClient(c, i, (packet, done) => this.accept(packet, done), this.logger);
      this.clients.push(client);
      await client.subscribeAsync(filters, { qos: 1 });
    }
    this.health.register('mqtt-meter', async () => {
      const down = this.clients.filter((client) => !client.connected).length;
      if (down > 0) throw new Error(`${down} meter subscriber connection(s) not connected to the MQTT broker`);
    });
    this.logger.info({ filters, connections: c.REMS_MQTT_CONNECTIONS }, 'subscribed to meter topics');
  }

  /**
   * Disconnect first (the broker keeps the sessions: QoS 1 messages sent while we are gone wait
   * for the next start), then let the messages already received reach the ingest batcher, which
   * IngestService drains before the database closes.
   */
  async onModuleDestroy(): Promise<void> {
    const clients = this.clients.splice(0);
    // Release held acknowledgements so end() is not stuck behind them.
    this.waiting.splice(0).forEach((release) => release());
    await Promise.all(clients.map((client) => client.endAsync()));
    await Promise.allSettled([...this.inFlight]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.endAsync()));
  }

  /**
   * mqtt.js sends the PUBACK, and reads the next message of that connection, when `done` is
   * called: holding it while too many frames are in process makes the broker queue instead of
   * us running out of memory and database connections.
   */
  private accept(packet: IPublishPacket, done: () => void): void {
    const work = this.handle(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      while (this.waiting.length > 0 && this.inFlight.size < this.config.REMS_MQTT_MAX_IN_FLIGHT) this.waiting.shift()?.();
    });
    if (this.inFlight.size < this.config.REMS_MQTT_MAX_IN_FLIGHT) done();
    else this.waiting.push(done);
  }

  /** Exposed for tests: processes one message as if it had arrived on `topic`. */
  async handle(topic: string, payload: Buffer): Promise<void> {
    const version = versionOfMeterTopic(this.config.REMS_MQTT_TOPIC_ROOT, topic);
    if (!version) return;
    const receivedAt = this.clock.now();
    const limit = this.config.REMS_MQTT_MAX_PAYLOAD_BYTES;
    if (payload.length > limit) {
      // A meter message is ~100 bytes; keep the head of anything far larger, not all of it.
      const head = payload.subarray(0, limit).toString('utf8');
      await this.reject(version, topic, head, receivedAt, 'payload_too_large', null, `${payload.length} bytes, first ${limit} kept`).catch((err: unknown) =>
        this.logger.error({ err, topic, bytes: payload.length }, 'oversized meter message lost: could not quarantine it'),
      );
      return;
    }
    const text = payload.toString('utf8');
    try {
      await this.process(version, topic, text, receivedAt);
    } catch (err) {
      this.metrics.failures.inc();
      this.logger.error({ err, topic }, 'meter message could not be stored');
      await this.reject(version, topic, text, receivedAt, 'persist_failed', null, err instanceof Error ? err.message : String(err)).catch((e: unknown) =>
        this.logger.error({ err: e, topic, payload: text.slice(0, 2000) }, 'meter message lost: could not even quarantine it'),
      );
    }
  }

  private async process(version: MqttVersion, topic: string, text: string, receivedAt: Date): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reject(version, topic, text, receivedAt, 'malformed_payload', null, 'not JSON');
    }
    const body = MqttMeterPayload.safeParse(json);
    if (!body.success) return this.reject(version, topic, text, receivedAt, 'malformed_payload', null, body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { transceiverId, data } = body.data;
    const port = body.data.port ?? 0;
    const frame = parseHexFrame(data);
    if (!frame.ok) return this.reject(version, topic, text, receivedAt, 'invalid_meter_data', transceiverId, frame.problem);
    const device = await this.directory.get(transceiverId);
    if (!device) return this.reject(version, topic, text, receivedAt, 'unknown_transceiver', transceiverId, null);
    if (device.status !== 'ACTIVE') return this.reject(version, topic, text, receivedAt, 'inactive_transceiver', transceiverId, null);
    // QoS 1 is at-least-once and frames carry no timestamp: the same frame again within the window is a redelivery.
    if (await this.dedup.isDuplicate(transceiverId, port, frame.hex)) {
      this.metrics.duplicates.inc();
      this.logger.debug({ transceiverId, port }, 'duplicate meter message dropped');
      return;
    }
    await this.ingest.ingest({
      tenantAlias: device.tenantAlias,
      transceiverId,
      port,
      channel: version,
      receivedAt,
      bytes: frame.bytes,
      hex: frame.hex,
      expectedLayoutKey: device.layoutByPort.get(port),
    });
  }

  private async reject(version: MqttVersion, topic: string, payload: string, receivedAt: Date, reason: RejectReason, transceiverId: string | null, detail: string | null): Promise<void> {
    this.metrics.rejected.inc({ channel: version, reason });
    this.logger.warn({ topic, reason, transceiverId, detail }, 'meter message rejected');
    await this.rejected.insert({ channel: version, topic, transceiverId, reason, detail, payload, receivedAt });
  }
}
