import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import type { PlatformConfig } from '../config/platform-config.js';
import { validationException } from '../errors/validation-details.js';
import { HealthController } from '../health/health.controller.js';
import { PinoNestLogger } from '../logging/nest-logger.js';
import { URL_REDACTOR, type UrlRedactor } from '../logging/personal-data.js';
import { correlationContextMiddleware, requestLogMiddleware } from '../logging/request-log.js';
import { jsonDepthMiddleware } from '../http/json-depth.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JSON_MEDIA_TYPES, JsonOnlyInterceptor } from './json-only.interceptor.js';
import { setupSwagger } from './swagger.js';

/** Largest JSON request body an API reads (NATS's default max_payload: what a command can carry on). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions {
  config: PlatformConfig;
  logger: Logger;
  description: string;
}

/**
 * Builds a configured (not yet listening) Nest application: logger, DTO
 * validation, HTTP metrics, OpenAPI. Shared by `main.ts` and the test helpers
 * so tests boot exactly what production boots.
 *
 * Express middleware order: metrics, request log (correlation id assigned and echoed; URLs with
 * the app's personal data as refs, PlatformModule's personalDataInUrls), the JSON body parser (the
 * only one: Nest's default urlencoded parser is off), the nesting-depth check of the parsed body,
 * then the correlation context for routing, guards, handlers and filters. A body that is not JSON
 * is a 415 (JsonOnlyInterceptor); a DTO's 400 names each invalid field (validationException).
 * No `X-Powered-By`, and no ETag: Express would hash every response body for a header no API
 * client of ours revalidates with.
 */
export async function createApp(rootModule: unknown, options: CreateAppOptions): Promise<INestApplication> {
  const { HTTP_TLS_CERT_FILE: certFile, HTTP_TLS_KEY_FILE: keyFile } = options.config;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('set both HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE, or neither');
  const httpsOptions = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' as const } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(rootModule as never, { bufferLogs: true, abortOnError: false, httpsOptions, bodyParser: false });
  app.useLogger(new PinoNestLogger(options.logger));
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(app.get(MetricsService).httpMiddleware());
  app.use(requestLogMiddleware(options.logger, { redactUrl: app.get<UrlRedactor>(URL_REDACTOR) }));
  // Express's default (100 KB) refused requests the APIs document: a bulk command to its 10,000
  // stations, a Full local list of a few thousand tags. 1 MiB is what one NATS message carries.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT_BYTES, type: JSON_MEDIA_TYPES });
  app.use(jsonDepthMiddleware());
  app.use(correlationContextMiddleware());
  app.useGlobalInterceptors(new JsonOnlyInterceptor());
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false, exceptionFactory: validationException }),
  );
  app.get(MetricsService).setDefaultLabels({ service: options.config.SERVICE_NAME });
  setupSwagger(app, options.config.SERVICE_NAME, options.config.SERVICE_VERSION, options.description, JSON_BODY_LIMIT_BYTES);
  return app;
}

/**
 * Starts the app and wires graceful shutdown: on SIGTERM/SIGINT readiness
 * turns false, the listener stops accepting, consumers drain and connections
 * close (Nest lifecycle hooks); a timer forces the exit if that hangs.
 */
export async function runApp(rootModule: unknown, options: CreateAppOptions): Promise<INestApplication> {
  const { config, logger } = options;
  const app = await createApp(rootModule, options);
  await app.init();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT, host: config.HTTP_HOST }, `${config.SERVICE_NAME} listening`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    app.get(HealthController).markShuttingDown();
    app
      .close()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return app;
}

/** Entry-point guard: configuration and boot failures print one clear line set and exit 1. */
export function exitOnBootFailure(err: unknown, logger?: Logger): never {
  if (logger) logger.fatal({ err }, 'boot failed');
  else process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
