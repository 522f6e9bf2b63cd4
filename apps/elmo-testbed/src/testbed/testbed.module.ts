import { APP_CONFIG } from '@cpo/platform';
import { DynamicModule, Module } from '@nestjs/common';
import type { TestbedConfig } from '../config.js';
import { AutoService } from './auto.service.js';
import { CpController } from './cp.controller.js';
import { CpService } from './cp.service.js';
import { FpCaller } from './fp-caller.js';
import { SimController } from './sim.controller.js';
import { TestbedStore } from './testbed.store.js';
import { TriggerController } from './trigger.controller.js';
import { TriggerService } from './trigger.service.js';

@Module({})
export class TestbedModule {
  static forRoot(): DynamicModule {
    return {
      module: TestbedModule,
      controllers: [CpController, TriggerController, SimController],
      providers: [
        { provide: TestbedStore, inject: [APP_CONFIG], useFactory: (c: TestbedConfig) => new TestbedStore(c.ELMO_TESTBED_TOKEN, c.ELMO_TESTBED_GROUP_IDS) },
        FpCaller,
        CpService,
        TriggerService,
        AutoService,
      ],
    };
  }
}
