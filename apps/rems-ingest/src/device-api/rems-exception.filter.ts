import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { DomainError, ROOT_LOGGER } from '@cpo/platform';
import { errorEnvelope, type RemsErrorEnvelope, type RemsErrorType } from '@cpo/rems-protocol';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { errorTypeOfKind, remsDetailsOf } from './rems-errors.js';

/**
 * Renders every failure of the device and meter API as the guide's
 * `{error: {error, status, errorType, message, fieldError}}`. Scoped to the device-API
 * controllers; the operator API keeps the platform's error format.
 */
@Catch()
export class RemsExceptionFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(@Inject(ROOT_LOGGER) root: Logger) {
    this.logger = root.child({ component: 'device-api' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const body = toRemsError(exception);
    if (body.error.status >= 500) this.logger.error({ err: exception, path: req.url }, 'device API request failed');
    if (!res.headersSent) res.status(body.error.status).json(body);
  }
}

/** Maps a thrown value to the REMS error envelope (the message of unknown errors is never shown). */
export function toRemsError(exception: unknown): RemsErrorEnvelope {
  if (exception instanceof DomainError) {
    const details = remsDetailsOf(exception);
    return errorEnvelope(details?.errorType ?? errorTypeOfKind[exception.kind], exception.message, details?.fieldError ?? {});
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const type = httpErrorType(status);
    const envelope = errorEnvelope(type, exception.message);
    // Keep the real status (e.g. 413 for a too-large body) while using the nearest error type.
    envelope.error.status = status;
    return envelope;
  }
  return errorEnvelope('INTERNAL_ERROR', 'internal error');
}

function httpErrorType(status: number): RemsErrorType {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'DEVICE_NOT_FOUND';
  if (status === 409) return 'INVALID_STATUS_TRANSITION';
  if (status >= 400 && status < 500) return 'VALIDATION_FAILED';
  return 'INTERNAL_ERROR';
}
