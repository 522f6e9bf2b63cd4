import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from './logger.js';

/**
 * Makes the root logger injectable (`@Inject(ROOT_LOGGER)`). Request logs and the correlation
 * context are Express middleware installed by `createApp` (see `request-log.ts`).
 */
@Module({})
export class LoggingModule {
  static forRoot(rootLogger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      providers: [{ provide: ROOT_LOGGER, useValue: rootLogger }],
      exports: [ROOT_LOGGER],
    };
  }
}
