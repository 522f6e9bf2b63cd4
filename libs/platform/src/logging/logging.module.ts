import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { CORRELATION_HEADER, sanitizeCorrelationId } from './correlation.js';
import { ROOT_LOGGER } from './logger.js';

/**
 * nestjs-pino wired to the root logger: request logs with the correlation id
 * taken from `X-Correlation-ID` (or `X-Request-ID`) or minted, and echoed back.
 */
@Module({})
export class LoggingModule {
  static forRoot(rootLogger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: rootLogger,
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const id =
                sanitizeCorrelationId(req.headers[CORRELATION_HEADER]) ??
                sanitizeCorrelationId(req.headers['x-request-id']) ??
                randomUUID();
              res.setHeader('X-Correlation-ID', id);
              return id;
            },
            customProps: (req: IncomingMessage & { id?: unknown }) => ({ correlationId: req.id }),
            autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
            customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: rootLogger }],
      exports: [ROOT_LOGGER],
    };
  }
}
