import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { keepUrl, URL_REDACTOR, type UrlRedactor } from '../logging/personal-data.js';
import { DomainError, httpStatusOf } from './errors.js';
import { DtoValidationException } from './validation-details.js';

/** JSON error body of every operator API response that is not a success. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
  correlationId?: string;
}

/**
 * Maps domain errors and Nest HTTP exceptions to one JSON error shape for the
 * operator API. Protocol controllers (OCPI, OSCP, REMS) install their own
 * filters on top because their wire formats differ. The logged path carries the app's personal
 * data as refs (PlatformModule's personalDataInUrls), as the request log line does.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');
  /** The failing checks last logged for a readiness probe, and when (see catch). */
  private lastNotReady?: { key: string; at: number };

  constructor(@Optional() @Inject(URL_REDACTOR) private readonly redactUrl: UrlRedactor = keepUrl) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const body = toApiError(exception);
    body.correlationId = typeof req.id === 'string' ? req.id : undefined;
    const failing = notReadyChecks(exception);
    if (failing) this.logNotReady(failing, this.redactUrl(req.url));
    else if (body.statusCode >= 500) this.logger.error({ err: exception, path: this.redactUrl(req.url) }, 'request failed');
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  /**
   * A probe answered "not ready" is the probe working, not a failed request: a warning naming the
   * failing checks, without a stack, and only when they change or once a minute while they last,
   * not on every probe of every replica.
   */
  private logNotReady(failing: Record<string, unknown>, path: string): void {
    const key = Object.keys(failing).sort().join(',');
    const now = Date.now();
    if (this.lastNotReady?.key === key && now - this.lastNotReady.at < NOT_READY_LOG_EVERY_MS) return;
    this.lastNotReady = { key, at: now };
    this.logger.warn({ path, failing }, 'not ready');
  }
}

const NOT_READY_LOG_EVERY_MS = 60_000;

/**
 * The failing checks when the exception is @nestjs/terminus's answer to a failed health check
 * (a 503 whose body is `{ status: 'error', error: { <check>: { status: 'down', ... } } }`).
 */
export function notReadyChecks(exception: unknown): Record<string, unknown> | undefined {
  if (!(exception instanceof HttpException) || exception.getStatus() !== HttpStatus.SERVICE_UNAVAILABLE) return undefined;
  const response = exception.getResponse() as { status?: unknown; error?: unknown } | string;
  if (typeof response !== 'object' || response === null || response.status !== 'error') return undefined;
  return typeof response.error === 'object' && response.error !== null ? (response.error as Record<string, unknown>) : {};
}

const kindOfStatus = new Map<number, string>(Object.entries(httpStatusOf).map(([kind, status]) => [status, kind]));

/**
 * The `error` code of a status no domain error names: the ErrorKind of the same status where there
 * is one (a DTO's 400 is `validation` like a service's, an unknown route's 404 `not_found`), else
 * the status's name in the same snake case (`payload_too_large`, `unsupported_media_type`). One
 * vocabulary, whichever layer refused: body parser, pipe, guard or service.
 */
export function errorCodeOf(statusCode: number): string {
  if (statusCode === HttpStatus.INTERNAL_SERVER_ERROR) return 'internal_error';
  return kindOfStatus.get(statusCode) ?? HttpStatus[statusCode]?.toLowerCase() ?? 'error';
}

export function toApiError(exception: unknown): ApiErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = httpStatusOf[exception.kind];
    return { statusCode, error: exception.kind, message: exception.message, details: exception.details };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const error = errorCodeOf(statusCode);
    if (exception instanceof DtoValidationException) return { statusCode, error, message: exception.message, details: exception.details };
    if (typeof response === 'object' && response !== null) {
      // An array of messages: a ValidationPipe built without our exceptionFactory.
      const r = response as { message?: unknown };
      const message = Array.isArray(r.message) ? r.message.map(String).join('; ') : String(r.message ?? exception.message);
      return { statusCode, error, message };
    }
    return { statusCode, error, message: String(response) };
  }
  return { statusCode: 500, error: 'internal_error', message: 'internal error' };
}
