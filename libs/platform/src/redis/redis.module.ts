import { DynamicModule, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { HealthRegistry } from '../health/health.registry.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { createRedisClient } from './redis-client.js';

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
          useFactory: (config: PlatformConfig, root: Logger) => createRedisClient(config, root.child({ component: 'redis' })),
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
