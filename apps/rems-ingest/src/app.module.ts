import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, MqttModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CommandsModule } from './commands/commands.module.js';
import type { Clock } from './common/clock.js';
import { ClockModule } from './common/clock.module.js';
import type { RemsIngestConfig } from './config.js';
import { DeviceApiModule } from './device-api/device-api.module.js';
import { DeviceModule } from './device/device.module.js';
import { MeterModule } from './meter/meter.module.js';
import { migrations } from './migrations/index.js';

/** What tests may replace: the clock (token expiry, receipt times). */
export interface AppOverrides {
  clock?: Clock;
}

/** REMS ingest: the device API and KEA REMS frame decoding over HTTP and MQTT. */
@Module({})
export class AppModule {
  static forRoot(config: RemsIngestConfig, logger: Logger, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MqttModule.forRoot(),
        MessagingModule.forRoot(),
        ClockModule.forRoot(overrides.clock),
        AuthModule,
        DeviceModule,
        CommandsModule,
        MeterModule,
        AdminModule,
        DeviceApiModule,
      ],
    };
  }
}

export const description = 'enfinity-rems compatible device API and meter ingest for solar RTUs (HTTP and MQTT).';
