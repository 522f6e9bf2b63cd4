import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { keepUrl, URL_REDACTOR, type UrlRedactor } from '../logging/personal-data.js';
import { DomainError, httpStatusOf } from './errors.js';

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

  constructor(@Optional() @Inject(URL_REDACTOR) private readonly redactUrl: UrlRedactor = keepUrl) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const body = toApiError(exception);
    body.correlationId = typeof req.id === 'string' ? req.id : undefined;
    if (body.statusCode >= 500) this.logger.error({ err: exception, path: this.redactUrl(req.url) }, 'request failed');
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }
}

export function toApiError(exception: unknown): ApiErrorBody {
  if (exception instanceof DomainError) {
    const statusCode = httpStatusOf[exception.kind];
    return { statusCode, error: exception.kind, message: exception.message, details: exception.details };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null) {
      const r = response as { message?: unknown; error?: unknown };
      const messages = Array.isArray(r.message) ? r.message : undefined;
      return {
        statusCode,
        error: typeof r.error === 'string' ? r.error : HttpStatus[statusCode] ?? 'Error',
        message: messages ? 'validation failed' : String(r.message ?? exception.message),
        details: messages,
      };
    }
    return { statusCode, error: HttpStatus[statusCode] ?? 'Error', message: String(response) };
  }
  return { statusCode: 500, error: 'internal_error', message: 'internal error' };
}
