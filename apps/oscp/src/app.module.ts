import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OscpConfig } from './config.js';
import { migrations } from './migrations/index.js';
import { OscpModule, type OscpModuleOptions } from './oscp.module.js';

/** The OSCP flexibility provider: capacity forecasts in, measurements and adjust requests out. */
@Module({})
export class AppModule {
  static forRoot(config: OscpConfig, logger: Logger, options: OscpModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MessagingModule.forRoot(),
        OscpModule.forRoot(options),
      ],
    };
  }
}

export const description = 'OSCP 2.0 flexibility provider towards capacity providers such as ELMO.';
