import { DomainError, ROOT_LOGGER, httpStatusOf } from '@cpo/platform';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';

/** OSCP's error answer: a standard status and `{"message": …}` (schema `error.json`). */
@Catch()
export class OscpErrorFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    let status = 500;
    let message = 'internal error';
    if (exception instanceof DomainError) {
      status = httpStatusOf[exception.kind];
      message = exception.message;
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = exception.message;
    } else {
      this.logger.error({ err: exception }, 'oscp inbound failed');
    }
    if (!res.headersSent) res.status(status).json({ message });
  }
}
