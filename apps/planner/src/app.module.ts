import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { PlannerConfig } from './config.js';
import { LiveStateModule } from './live-state/live-state.module.js';
import { migrations } from './migrations/index.js';
import { TopologyModule } from './topology/topology.module.js';

/** The capacity planner: grid capacity in, per-station limits out. */
@Module({})
export class AppModule {
  static forRoot(config: PlannerConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MessagingModule.forRoot(),
        TopologyModule,
        LiveStateModule,
      ],
    };
  }
}

export const description = 'Turns group capacity forecasts into per-station charging limits and proves compliance.';
