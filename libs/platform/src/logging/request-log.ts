import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CORRELATION_HEADER, runWithCorrelation, sanitizeCorrelationId } from './correlation.js';
import { keepUrl, type UrlRedactor } from './personal-data.js';

type Req = IncomingMessage & { id?: unknown; originalUrl?: string };
type Next = (err?: unknown) => void;

/** Probes and scrapes are not worth a log line each. */
const QUIET = /^\/(health|metrics)/;

/** Responses whose 5xx relays a remote party's failure (see markUpstreamOutcome). */
const upstreamOutcomes = new WeakSet<ServerResponse>();

/**
 * Marks the response as relaying the outcome of a remote party the service only forwarded to (a
 * charger that answered a CallError, is offline or did not answer): its 502/503/504 then reports
 * that party, not a failure of this service, and is logged at warn. An error-level line for every
 * offline charger sent operators looking for a broken database or bus.
 */
export function markUpstreamOutcome(res: ServerResponse): void {
  upstreamOutcomes.add(res);
}

/** Log level of a finished request: 5xx error unless it relays a remote party's outcome, 4xx (or aborted) warn, else info. */
export function requestLogLevel(status: number, complete: boolean, upstream: boolean): 'error' | 'warn' | 'info' {
  if (status >= 500 && !upstream) return 'error';
  return status >= 400 || !complete ? 'warn' : 'info';
}

/**
 * The request's correlation id: `X-Correlation-ID`, else `X-Request-ID`, else a new one. Stored as
 * `req.id` (where the OCPI edge and the correlation context read it) and echoed on the response.
 */
export function assignCorrelationId(req: Req, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const id = sanitizeCorrelationId(req.headers[CORRELATION_HEADER]) ?? sanitizeCorrelationId(req.headers['x-request-id']) ?? randomUUID();
  req.id = id;
  res.setHeader('X-Correlation-ID', id);
  return id;
}

/**
 * One structured line per finished request: `req` (method, url), `res` (statusCode),
 * `responseTime` (ms), `correlationId` and, when the app gave the hop one, `requestId`
 * (the response's `X-Request-ID`). Level by outcome (requestLogLevel): 5xx error, 4xx warn, else
 * info; a 5xx marked as a remote party's outcome (markUpstreamOutcome) is a warn with
 * `upstream: true`; a response the client abandoned before it was complete is logged as aborted.
 *
 * Replaces pino-http, which made two child loggers and ran its serializers on every request
 * whether or not the line was written (about 5 % of the OCPI hub's CPU at 2,000 req/s). Here the
 * only per-request work is the id, a timestamp and one `close` listener; the log object is
 * built only when its level is enabled, and so is the URL's redaction (`redactUrl`: the app's
 * personal data written as refs, see personal-data.ts).
 */
export function requestLogMiddleware(logger: Logger, options: { redactUrl?: UrlRedactor } = {}) {
  const redactUrl = options.redactUrl ?? keepUrl;
  return (req: Req, res: ServerResponse, next: Next): void => {
    const correlationId = assignCorrelationId(req, res);
    const url = req.originalUrl ?? req.url ?? '';
    if (QUIET.test(url) || !logger.isLevelEnabled('error')) return next();
    const started = Date.now();
    res.once('close', () => {
      const status = res.statusCode;
      const complete = res.writableFinished;
      const upstream = upstreamOutcomes.has(res);
      const level = requestLogLevel(status, complete, upstream);
      if (!logger.isLevelEnabled(level)) return;
      const requestId = res.getHeader('x-request-id');
      const line: Record<string, unknown> = {
        req: { method: req.method, url: redactUrl(url) },
        res: { statusCode: status },
        responseTime: Date.now() - started,
        correlationId,
      };
      if (typeof requestId === 'string') line.requestId = requestId;
      if (upstream) line.upstream = true;
      const errored = level === 'error';
      if (errored) line.err = { type: 'Error', message: `failed with status code ${status}` };
      logger[level](line, !complete ? 'request aborted' : errored ? 'request errored' : 'request completed');
    });
    next();
  };
}

/**
 * Runs the rest of the request (routing, guards, handler, filters) inside the request's
 * correlation context, so every log line and bus message it produces carries the id. Mounted
 * after the body parsers, so the context does not depend on them carrying it across the request
 * stream's events. A middleware rather than a Nest interceptor: the interceptor cost an rxjs
 * Observable pipeline per request and left guards outside the context.
 */
export function correlationContextMiddleware() {
  return (req: Req, res: ServerResponse, next: Next): void => {
    runWithCorrelation(assignCorrelationId(req, res), next);
  };
}
