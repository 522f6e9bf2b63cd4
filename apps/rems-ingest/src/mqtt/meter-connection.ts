import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { connect, MqttClient, type IClientOptions, type IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from '../config.js';
import { OrderedAcks } from './ordered-acks.js';

/** Called once per received meter message; `settle` sends its PUBACK (in order, see OrderedAcks). */
export type MeterMessageHandler = (packet: IPublishPacket, settle: () => void, connection: MeterConnection) => void;

/**
 * mqtt.js sends a PUBACK when handleMessage calls back without an error, and reads the
 * connection's next packet only after that callback, so holding the callback until the commit
 * would process one message per connection at a time. With an error it skips its PUBACK and goes
 * on reading (mqtt 5.16 handlers/publish.js); the error itself goes nowhere. Our PUBACK follows
 * once the message is settled.
 */
const ACK_DEFERRED = new Error('PUBACK deferred until the message is committed');

/**
 * One meter-subscriber connection: MQTT 5, its own persistent session
 * (`{MQTT_CLIENT_ID}-meter-{index}`), automatic reconnect, and acknowledgements only after the
 * commit. REMS_MQTT_MAX_IN_FLIGHT bounds the unacknowledged messages it holds, so a slow database
 * leaves messages queued at the broker, not in our memory. It is sent as the MQTT 5 Receive
 * Maximum, but Mosquitto 2.0 overshoots that once PUBACKs flow (measured here: 16,000 outstanding
 * against a Receive Maximum of 500; eclipse-mosquitto/mosquitto#2301), so the bound is also kept
 * here: at the limit, the connection stops reading until acknowledgements catch up.
 */
export class MeterConnection {
  readonly client: MqttClient;
  private readonly acks: OrderedAcks;
  private readonly maxInFlight: number;
  /** mqtt.js's "read the next packet" callback, held while the connection is at its in-flight limit. */
  private held?: () => void;

  constructor(
    c: RemsIngestConfig,
    readonly index: number,
    onMessage: MeterMessageHandler,
    private readonly logger: Logger,
  ) {
    // MQTT 5 with the real broker; the embedded one (aedes) speaks only 3.1.1, whose persistent
    // session has no expiry and no Receive Maximum (the in-process bound below still holds).
    const v5 = c.REMS_MQTT_EMBEDDED_BROKER_PORT === undefined;
    const options: IClientOptions = {
      protocolVersion: v5 ? 5 : 4,
      clientId: `${c.MQTT_CLIENT_ID ?? `${c.SERVICE_NAME}-${hostname()}`}-meter-${index}`,
      clean: false,
      properties: v5 ? { sessionExpiryInterval: c.REMS_MQTT_SESSION_EXPIRY_SECONDS, receiveMaximum: c.REMS_MQTT_MAX_IN_FLIGHT } : undefined,
      username: c.MQTT_USERNAME,
      password: c.MQTT_PASSWORD,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      manualConnect: true,
      // mqtt.js logs several debug lines per packet through `debug`, which builds an argument array
      // per call even when disabled: 4 % of the service's allocations at 10,000 messages/s.
      log: noop,
    };
    const url = new URL(c.MQTT_URL);
    // Plain TCP with Nagle off, so each PUBACK leaves at once.
    this.client =
      url.protocol === 'mqtt:'
        ? new MqttClient(() => createConnection({ host: url.hostname, port: Number(url.port || 1883), noDelay: true }), options)
        : connect(c.MQTT_URL, options);
    this.maxInFlight = c.REMS_MQTT_MAX_IN_FLIGHT;
    this.acks = new OrderedAcks((messageId) => this.sendPuback(messageId));
    // Installed before the connection opens: a persistent session delivers its backlog right after CONNACK.
    this.client.handleMessage = (packet, callback) => {
      // Parsed from a connection that has closed since: it cannot be acknowledged any more, and the
      // broker sends it again on the next one, so it is not processed at all.
      if (!this.client.connected) return callback(ACK_DEFERRED);
      const track = packet.qos > 0 && packet.messageId !== undefined ? this.acks.track(packet.messageId) : noop;
      onMessage(
        packet,
        () => {
          track();
          this.resume();
        },
        this,
      );
      if (this.acks.pending >= this.maxInFlight) this.held = () => callback(ACK_DEFERRED);
      else callback(ACK_DEFERRED);
    };
    this.client.on('close', () => {
      this.acks.reset();
      this.resume();
    });
    this.client.on('error', (err) => logger.warn({ err: err.message, connection: index }, 'mqtt error'));
    this.client.on('offline', () => logger.warn({ connection: index }, 'mqtt meter connection offline'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Messages received and not yet acknowledged on the current connection. */
  get unacknowledged(): number {
    return this.acks.pending;
  }

  async open(filters: string[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.client.once('connect', () => resolve());
      this.client.once('error', reject);
      this.client.connect();
    });
    await this.client.subscribeAsync(filters, { qos: 1 });
  }

  /**
   * A message could not be settled: a broker resends unacknowledged messages only on a new
   * connection, so drop this one. Nothing received on it is acknowledged any more; mqtt.js
   * reconnects after its reconnect period (a natural back-off), and the broker sends them again.
   */
  redeliver(reason: string): void {
    if (!this.client.connected) return;
    this.logger.warn({ connection: this.index, unacknowledged: this.acks.pending, reason }, 'reconnecting so the broker redelivers unacknowledged meter messages');
    this.acks.reset();
    this.client.stream.destroy();
  }

  /** DISCONNECT after the PUBACKs already sent; the broker keeps the session. */
  async close(): Promise<void> {
    await this.client.endAsync();
  }

  /** Reads on once below the in-flight limit (or once the connection is gone: its packets are void). */
  private resume(): void {
    if (this.held && this.acks.pending < this.maxInFlight) {
      const next = this.held;
      this.held = undefined;
      next();
    }
  }

  private sendPuback(messageId: number): void {
    // A packet id is only valid on the connection it arrived on (see OrderedAcks.reset).
    if (!this.client.connected) return;
    // mqtt.js has no public PUBACK; `_sendPacket` is what it uses itself (writes at once when connected).
    (this.client as unknown as { _sendPacket(packet: object): void })._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 });
  }
}

function noop(): void {}
