import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from './config.js';
import { migrations } from './migrations/index.js';

/** The OCPP central system: chargers, their sessions and the limits they must obey. */
@Module({})
export class AppModule {
  static forRoot(config: OcppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, logger), DatabaseModule.forRoot({ migrations }), RedisModule.forRoot(), MessagingModule.forRoot()],
    };
  }
}

export const description = 'OCPP 1.6-J central system: chargers connect over WebSocket; operators command them here.';
