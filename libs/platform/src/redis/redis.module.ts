import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { ROOT_LOGGER } from '../logging/logger.js';

/** DI token of the shared ioredis client (presence, locks, rate limits, revocation). */
export const REDIS = Symbol('REDIS');

@Module({})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly health: HealthRegistry,
  ) {}

  static forRoot(): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS,
          inject: [APP_CONFIG, ROOT_LOGGER],
          useFactory: async (config: PlatformConfig, root: Logger) => {
            const logger = root.child({ component: 'redis' });
            const client = new Redis(config.REDIS_URL, {
              lazyConnect: true,
              connectionName: config.SERVICE_NAME,
              maxRetriesPerRequest: 3,
              // Keep reconnecting with a capped backoff; readiness reports the outage meanwhile.
              retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
            });
            client.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
            await client.connect();
            return client;
          },
        },
      ],
      exports: [REDIS],
    };
  }

  onModuleInit(): void {
    this.health.register('redis', async () => {
      if ((await this.redis.ping()) !== 'PONG') throw new Error('unexpected PING reply');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
