import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcpiHubConfig } from './config.js';
import { migrations } from './migrations/index.js';

/** The OCPI hub: brokers locations, sessions, CDRs, tokens and commands between partners. */
@Module({})
export class AppModule {
  static forRoot(config: OcpiHubConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, logger), DatabaseModule.forRoot({ migrations }), RedisModule.forRoot(), MessagingModule.forRoot()],
    };
  }
}

export const description = 'OCPI 2.1.1-d2 hub with 2.2.1 hub routing between CPOs and eMSPs.';
