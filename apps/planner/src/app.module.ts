import { DynamicModule, Global, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import { AdjustModule } from './adjust/adjust.module.js';
import { CapacityModule } from './capacity/capacity.module.js';
import { CapacityRequestModule } from './capacity-request/capacity-request.module.js';
import { ComplianceModule } from './compliance-windows/compliance.module.js';
import { CLOCK, systemClock, type Clock } from './clock.js';
import { ComplianceWatchModule } from './compliance/compliance-watch.module.js';
import type { PlannerConfig } from './config.js';
import { LiveStateModule } from './live-state/live-state.module.js';
import { migrations } from './migrations/index.js';
import { PlanningModule } from './planning/planning.module.js';
import { ReplanModule } from './replan/replan.module.js';
import { TopologyModule } from './topology/topology.module.js';

/** Provides the clock everywhere (tests pass their own to play a day in seconds). */
@Global()
@Module({})
class ClockModule {
  static forRoot(clock: Clock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}

/** The capacity planner: grid capacity in, per-station limits out. */
@Module({})
export class AppModule {
  static forRoot(config: PlannerConfig, logger: Logger, clock: Clock = systemClock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MessagingModule.forRoot(),
        ClockModule.forRoot(clock),
        ReplanModule,
        TopologyModule,
        LiveStateModule,
        CapacityModule,
        PlanningModule,
        ComplianceModule,
        CapacityRequestModule,
        ComplianceWatchModule,
        AdjustModule,
      ],
    };
  }
}

export const description = 'Turns group capacity forecasts into per-station charging limits and proves compliance.';
