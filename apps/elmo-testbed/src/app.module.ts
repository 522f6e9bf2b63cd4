import { PlatformModule } from '@cpo/platform';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TestbedConfig } from './config.js';
import { TestbedModule } from './testbed/testbed.module.js';

/** An ELMO-shaped OSCP capacity provider for development, demos and tests. No database. */
@Module({})
export class AppModule {
  static forRoot(config: TestbedConfig, logger: Logger): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forRoot(config, logger), TestbedModule.forRoot()] };
  }
}

export const description = 'ELMO testbed simulator: OSCP 2.0 capacity provider endpoints, trigger callbacks and a read API.';
