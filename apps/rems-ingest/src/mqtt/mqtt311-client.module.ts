import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { APP_CONFIG, HealthRegistry, MQTT, ROOT_LOGGER } from '@cpo/platform';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from '../config.js';

/**
 * The app's MQTT client (token MQTT, used to publish commands) over MQTT 3.1.1, for the embedded
 * broker, which does not speak MQTT 5; otherwise the platform's MqttModule (MQTT 5) is used. Same
 * persistent session, reconnect, readiness check and shutdown as the platform's.
 */
@Module({})
export class Mqtt311ClientModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(MQTT) private readonly client: MqttClient,
    private readonly health: HealthRegistry,
  ) {}

  static forRoot(): DynamicModule {
    return {
      module: Mqtt311ClientModule,
      global: true,
      providers: [
        {
          provide: MQTT,
          inject: [APP_CONFIG, ROOT_LOGGER],
          useFactory: async (config: RemsIngestConfig, root: Logger) => {
            const logger = root.child({ component: 'mqtt' });
            const client = await connectAsync(config.MQTT_URL, {
              protocolVersion: 4,
              clientId: config.MQTT_CLIENT_ID ?? `${config.SERVICE_NAME}-${hostname()}`,
              clean: false,
              reconnectPeriod: 2000,
              connectTimeout: 10_000,
            });
            client.on('error', (err) => logger.warn({ err: err.message }, 'mqtt error'));
            client.on('offline', () => logger.warn('mqtt offline'));
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
