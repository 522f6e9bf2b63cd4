import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';

export interface EmbeddedBroker {
  /** The bound port (the configured one, or the one picked for port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * An in-process MQTT broker (aedes) for a single-box demo without Mosquitto
 * (REMS_MQTT_EMBEDDED_BROKER_PORT). aedes 1.2 speaks MQTT 3.1.1 only, keeps sessions and queued
 * QoS 1 messages in memory (lost on restart) and has no authentication configured here, so it is
 * not for production: there the real broker is required, as the tests and the benchmark use.
 */
export async function startEmbeddedBroker(port: number, host: string, logger: Logger): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  logger.warn({ host, port: bound }, 'embedded MQTT broker (aedes, MQTT 3.1.1 only, in-memory, anonymous) listening: for demos, not production');
  return {
    port: bound,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
