import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config/platform-config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { ROOT_LOGGER } from '../logging/logger.js';

/** DI token of the app's MQTT client. */
export const MQTT = Symbol('MQTT');

export interface MqttConfig {
  SERVICE_NAME: string;
  MQTT_URL: string;
  MQTT_USERNAME?: string;
  MQTT_PASSWORD?: string;
  MQTT_CLIENT_ID?: string;
}

/**
 * MQTT client with a persistent session (clean: false) so QoS 1 messages sent while we were away
 * are delivered on reconnect. MQTT 5 by default; `protocolVersion: 4` (3.1.1) for brokers that
 * speak nothing newer, such as an embedded aedes broker (no session expiry property there: 3.1.1
 * sessions last until the broker drops them).
 */
@Module({})
export class MqttModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(MQTT) private readonly client: MqttClient,
    private readonly health: HealthRegistry,
  ) {}

  static forRoot(options: { protocolVersion?: 4 | 5 } = {}): DynamicModule {
    const protocolVersion = options.protocolVersion ?? 5;
    return {
      module: MqttModule,
      global: true,
      providers: [
        {
          provide: MQTT,
          inject: [APP_CONFIG, ROOT_LOGGER],
          useFactory: async (config: MqttConfig, root: Logger) => {
            const logger = root.child({ component: 'mqtt' });
            const client = await connectAsync(config.MQTT_URL, {
              protocolVersion,
              clientId: config.MQTT_CLIENT_ID ?? `${config.SERVICE_NAME}-${hostname()}`,
              clean: false,
              ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
              username: config.MQTT_USERNAME,
              password: config.MQTT_PASSWORD,
              reconnectPeriod: 2000,
              connectTimeout: 10_000,
            });
            client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'));
            client.on('offline', () => logger.warn('mqtt offline'));
            client.on('reconnect', () => logger.info('mqtt reconnecting'));
            return client;
          },
        },
      ],
      exports: [MQTT],
    };
  }

  onModuleInit(): void {
    this.health.register('mqtt', async () => {
      if (!this.client.connected) throw new Error('not connected to the MQTT broker');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.endAsync();
  }
}
