import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, HealthRegistry, REDIS, ROOT_LOGGER } from '@cpo/platform';
import { parseHexFrame } from '@cpo/rems-protocol';
import type { Redis } from 'ioredis';
import type { IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RemsIngestConfig } from '../config.js';
import { DeviceDirectory } from '../meter/device-directory.js';
import { IngestMetrics } from '../meter/ingest.metrics.js';
import { IngestService } from '../meter/ingest.service.js';
import { readMqttMeterPayload } from '../meter/meter.dto.js';
import { RejectedRepository, type RejectReason } from '../meter/rejected.repository.js';
import { DedupWindow } from './dedup-window.js';
import { MeterConnection } from './meter-connection.js';
import { MqttConnectedGauge } from './mqtt-connected.gauge.js';
import { meterTopics, versionOfMeterTopic, type MqttVersion } from './topics.js';

/**
 * What became of a message: `settled` (committed, quarantined, a duplicate or not ours: acknowledge
 * it) or `retry` (nothing committed: leave it unacknowledged so the broker sends it again).
 */
export type MessageOutcome = 'settled' | 'retry';

/**
 * Meter frames over MQTT (§6): `{root}/mqtt3/meter` and `{root}/mqtt5/meter`, QoS 1, through the
 * subscriber's own connections and persistent sessions (MeterConnection), shared by connections
 * and replicas through an MQTT shared subscription. A message is acknowledged only after what it
 * led to is committed (its frame, or its quarantine row), so a crash or a failed commit means the
 * broker delivers it again. There is no reply channel, so every message that cannot be ingested is
 * kept in `rejected_message` with its reason and counted; QoS 1 redeliveries of a committed frame
 * (same transceiver, port and frame within the window) are dropped and counted.
 */
@Injectable()
export class MqttMeterSubscriber implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly topics: string[];
  private readonly connections: MeterConnection[] = [];
  /** Messages being processed, and who waits for them all to settle (shutdown). */
  private inFlight = 0;
  private idle?: () => void;
  /** Copies of one frame in process at once (a redelivery racing its original): the later waits for the earlier. */
  private readonly processing = new Map<string, Promise<boolean>>();
  private readonly dedup: DedupWindow;
  private stopping = false;

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
    private readonly connectedGauge: MqttConnectedGauge,
  ) {
    this.logger = root.child({ component: 'mqtt-meter' });
    this.topics = meterTopics(config.REMS_MQTT_TOPIC_ROOT);
    this.dedup = new DedupWindow(redis, config.REMS_MQTT_TOPIC_ROOT, config.REMS_MQTT_DEDUP_SECONDS, (err, frames) =>
      this.logger.warn({ err: err instanceof Error ? err.message : err, frames }, 'could not record committed frames in the duplicate window'),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.REMS_MQTT_INGEST_ENABLED) return;
    const c = this.config;
    // The embedded broker (a single process, MQTT 3.1.1) has no shared subscriptions: one connection.
    const embedded = c.REMS_MQTT_EMBEDDED_BROKER_PORT !== undefined;
    const group = embedded ? '' : c.REMS_MQTT_SHARED_GROUP;
    const count = embedded ? 1 : c.REMS_MQTT_CONNECTIONS;
    if (!group && count > 1) throw new Error('REMS_MQTT_CONNECTIONS > 1 needs REMS_MQTT_SHARED_GROUP, or every connection gets every message');
    const filters = this.topics.map((topic) => (group ? `$share/${group}/${topic}` : topic));
    // Several connections in one shared-subscription group spread decoding of MQTT packets and
    // give the broker several windows to fill.
    for (let i = 0; i < count; i++) {
      const connection = new MeterConnection(c, i, (packet, settle, conn) => this.accept(packet, settle, conn), this.logger);
      this.connections.push(connection);
      this.connectedGauge.track(connection.client, `meter-${i}`);
      await connection.open(filters);
    }
    this.health.register('mqtt-meter', async () => {
      const down = this.connections.filter((connection) => !connection.connected).length;
      if (down > 0) throw new Error(`${down} meter subscriber connection(s) not connected to the MQTT broker`);
    });
    this.logger.info({ filters, connections: count, maxInFlight: c.REMS_MQTT_MAX_IN_FLIGHT }, 'subscribed to meter topics');
  }

  /**
   * Take nothing new (what arrives now stays unacknowledged and comes back to the session later),
   * let what is in process commit and be acknowledged, then disconnect: the broker keeps the
   * sessions and their backlog for the next start.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await Promise.all(this.connections.splice(0).map((connection) => connection.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections.splice(0).map((connection) => connection.close()));
  }

  private accept(packet: IPublishPacket, settle: () => void, connection: MeterConnection): void {
    if (this.stopping) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // A counter rather than a set of the promises: shutdown only needs to know when it reaches 0.
    this.inFlight++;
    this.handle(packet.topic, payload, packet.dup)
      .then(
        (outcome) => (outcome === 'settled' ? settle() : connection.redeliver('meter message not committed')),
        (err: unknown) => {
          this.logger.error({ err, topic: packet.topic }, 'meter message handling failed');
          connection.redeliver('meter message handling failed');
        },
      )
      .catch((err: unknown) => this.logger.error({ err, topic: packet.topic }, 'could not acknowledge or drop a meter message'))
      .finally(() => this.done());
  }

  private done(): void {
    if (--this.inFlight === 0 && this.idle) {
      this.idle();
      this.idle = undefined;
    }
  }

  /**
   * Processes one message that arrived on `topic`. `redelivered` is
   * the packet's DUP flag: a frame whose commit fails on its first delivery is left to the broker
   * to send again; failing again on a redelivery, it is quarantined (`persist_failed`), so one
   * frame that can never be stored does not come back forever.
   */
  private async handle(topic: string, payload: Buffer, redelivered: boolean): Promise<MessageOutcome> {
    const version = versionOfMeterTopic(this.config.REMS_MQTT_TOPIC_ROOT, topic);
    if (!version) return 'settled';
    const receivedAt = this.clock.now();
    const limit = this.config.REMS_MQTT_MAX_PAYLOAD_BYTES;
    if (payload.length > limit) {
      // A meter message is ~100 bytes; keep the head of anything far larger, not all of it.
      const head = payload.subarray(0, limit).toString('utf8');
      return this.reject(version, topic, head, receivedAt, 'payload_too_large', null, `${payload.length} bytes, first ${limit} kept`);
    }
    const text = payload.toString('utf8');
    try {
      return await this.process(version, topic, text, receivedAt);
    } catch (err) {
      this.metrics.failures.inc();
      if (!redelivered) {
        this.logger.warn({ err, topic }, 'meter message not stored; the broker will deliver it again');
        return 'retry';
      }
      this.logger.error({ err, topic }, 'redelivered meter message could not be stored either; quarantining it');
      return this.reject(version, topic, text, receivedAt, 'persist_failed', null, err instanceof Error ? err.message : String(err));
    }
  }

  private async process(version: MqttVersion, topic: string, text: string, receivedAt: Date): Promise<MessageOutcome> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reject(version, topic, text, receivedAt, 'malformed_payload', null, 'not JSON');
    }
    const body = readMqttMeterPayload(json);
    if (!body.ok) return this.reject(version, topic, text, receivedAt, 'malformed_payload', null, body.problem);
    const { transceiverId, data } = body.value;
    const port = body.value.port ?? 0;
    const frame = parseHexFrame(data);
    if (!frame.ok) return this.reject(version, topic, text, receivedAt, 'invalid_meter_data', transceiverId, frame.problem);
    // Nearly always cached: then no await (and no promise) for it.
    const device = this.directory.cached(transceiverId) ?? (await this.directory.get(transceiverId));
    if (!device) return this.reject(version, topic, text, receivedAt, 'unknown_transceiver', transceiverId, null);
    if (device.status !== 'ACTIVE') return this.reject(version, topic, text, receivedAt, 'inactive_transceiver', transceiverId, null);

    // QoS 1 is at-least-once and frames carry no timestamp: the same frame again within the window
    // is a redelivery. Registered before any await, so a copy arriving meanwhile waits for this one.
    const key = this.dedup.keyOf(transceiverId, port, frame.hex);
    const earlier = this.dedup.enabled ? this.processing.get(key) : undefined;
    let committed!: (stored: boolean) => void;
    const mine = new Promise<boolean>((resolve) => (committed = resolve));
    if (this.dedup.enabled) this.processing.set(key, mine);
    try {
      if ((earlier && (await earlier)) || (this.dedup.enabled && (await this.seenBefore(key)))) {
        committed(true);
        this.metrics.duplicates.inc();
        this.logger.debug({ transceiverId, port }, 'duplicate meter message dropped');
        return 'settled';
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
      committed(true);
      // A failed record is logged by the window (once per write, not per frame).
      void this.dedup.remember(key);
      return 'settled';
    } catch (err) {
      committed(false);
      throw err;
    } finally {
      if (this.processing.get(key) === mine) this.processing.delete(key);
    }
  }

  /** The duplicate window is an optimisation: with Redis away, ingest goes on (a redelivery may then be stored twice). */
  private async seenBefore(key: string): Promise<boolean> {
    try {
      return await this.dedup.seen(key);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : err }, 'duplicate window unavailable; frame ingested unchecked');
      return false;
    }
  }

  /** Quarantines a message; `retry` when even that could not be committed (it will come back). */
  private async reject(version: MqttVersion, topic: string, payload: string, receivedAt: Date, reason: RejectReason, transceiverId: string | null, detail: string | null): Promise<MessageOutcome> {
    this.logger.warn({ topic, reason, transceiverId, detail }, 'meter message rejected');
    try {
      await this.rejected.insert({ channel: version, topic, transceiverId, reason, detail, payload, receivedAt });
    } catch (err) {
      this.logger.error({ err, topic, reason }, 'could not quarantine a meter message; the broker will deliver it again');
      return 'retry';
    }
    this.metrics.rejected.inc({ channel: version, reason });
    return 'settled';
  }
}
