import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { APP_CONFIG, type PlatformConfig } from './config/platform-config.js';
import { HttpErrorFilter } from './errors/http-exception.filter.js';
import { HealthController } from './health/health.controller.js';
import { HealthRegistry } from './health/health.registry.js';
import { ApiKeyGuard } from './http/api-key.guard.js';
import { LoggingModule } from './logging/logging.module.js';
import { setPersonalDataKey, URL_REDACTOR, urlRedactor, type PersonalDataInUrls } from './logging/personal-data.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { SystemController } from './http/system.controller.js';

export interface PlatformModuleOptions {
  /** The parts of the app's request URLs holding personal data: logged as refs (request log, error filter). */
  personalDataInUrls?: PersonalDataInUrls;
}

/**
 * What every app boots with: its validated configuration, JSON logging with
 * correlation ids, health and readiness, Prometheus metrics, the operator
 * API-key guard and one JSON error format.
 */
@Global()
@Module({})
export class PlatformModule {
  /**
   * Also keys personalDataRef with the config's LOG_PERSONAL_DATA_KEY (or makes it unkeyed), for the
   * whole process: every app boots through here, before any line is logged about a request or event.
   */
  static forRoot(config: PlatformConfig, rootLogger: Logger, options: PlatformModuleOptions = {}): DynamicModule {
    setPersonalDataKey(config.LOG_PERSONAL_DATA_KEY);
    return {
      module: PlatformModule,
      imports: [LoggingModule.forRoot(rootLogger), TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController, SystemController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: URL_REDACTOR, useValue: urlRedactor(options.personalDataInUrls ?? {}) },
        HealthRegistry,
        MetricsService,
        ApiKeyGuard,
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [APP_CONFIG, URL_REDACTOR, HealthRegistry, MetricsService, ApiKeyGuard],
    };
  }
}
