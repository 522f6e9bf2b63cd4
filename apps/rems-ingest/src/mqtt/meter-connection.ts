import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { connect, MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from '../config.js';

/**
 * Opens one meter-subscriber connection: MQTT 5, its own persistent session
 * (`{MQTT_CLIENT_ID}-meter-{index}`), automatic reconnect. The message handler is installed before
 * the connection opens, because a persistent session delivers its backlog right after CONNACK.
 */
export async function connectMeterClient(c: RemsIngestConfig, index: number, handleMessage: MqttClient['handleMessage'], logger: Logger): Promise<MqttClient> {
  const options: IClientOptions = {
    protocolVersion: 5,
    clientId: `${c.MQTT_CLIENT_ID ?? `${c.SERVICE_NAME}-${hostname()}`}-meter-${index}`,
    clean: false,
    properties: { sessionExpiryInterval: c.REMS_MQTT_SESSION_EXPIRY_SECONDS },
    username: c.MQTT_USERNAME,
    password: c.MQTT_PASSWORD,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    manualConnect: true,
  };
  const url = new URL(c.MQTT_URL);
  // Plain TCP with Nagle off, so each PUBACK leaves at once: the broker sends a client only a
  // small window of unacknowledged QoS 1 messages (Mosquitto: max_inflight_messages, 20).
  const client =
    url.protocol === 'mqtt:'
      ? new MqttClient(() => createConnection({ host: url.hostname, port: Number(url.port || 1883), noDelay: true }), options)
      : connect(c.MQTT_URL, options);
  client.handleMessage = handleMessage;
  client.on('error', (err) => logger.warn({ err: err.message, connection: index }, 'mqtt error'));
  client.on('offline', () => logger.warn({ connection: index }, 'mqtt meter connection offline'));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.connect();
  });
  return client;
}
