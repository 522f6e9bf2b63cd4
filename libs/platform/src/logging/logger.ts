import { pino, type DestinationStream, type Logger } from 'pino';
import { currentCorrelationId } from './correlation.js';
import { errWithoutQueryValues } from './error-serializer.js';

export type { Logger } from 'pino';

/**
 * The process's root JSON logger. Every line carries the service name and,
 * when there is one, the correlation id of the work being done.
 */
export function createRootLogger(options: { service: string; level: string }, destination?: DestinationStream): Logger {
  return pino(
    {
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // A failed query's bound values (idTags among them) are never written: error-serializer.ts.
    serializers: { err: errWithoutQueryValues },
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', '*.password', '*.token'],
      censor: '[redacted]',
    },
    },
    destination,
  );
}

/** DI token for the root pino logger; libraries take children of it. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
