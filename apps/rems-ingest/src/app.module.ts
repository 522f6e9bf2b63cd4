import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, MqttModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from './config.js';
import { migrations } from './migrations/index.js';

/** REMS ingest: the device API and KEA REMS frame decoding over HTTP and MQTT. */
@Module({})
export class AppModule {
  static forRoot(config: RemsIngestConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MqttModule.forRoot(),
        MessagingModule.forRoot(),
      ],
    };
  }
}

export const description = 'enfinity-rems compatible device API and meter ingest for solar RTUs (HTTP and MQTT).';
