import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { HttpErrorFilter, URL_REDACTOR, type UrlRedactor } from '@cpo/platform';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';

/**
 * Invalid JSON fails in the body parser, before any OCPI route (and its filter) is chosen. On
 * `/ocpi` paths it still gets the OCPI envelope with HTTP 400 (guide §3); elsewhere the platform's
 * operator error format applies.
 */
@Catch(BadRequestException)
export class OcpiBodyErrorFilter implements ExceptionFilter {
  private readonly fallback: HttpErrorFilter;

  constructor(@Inject(URL_REDACTOR) redactUrl: UrlRedactor) {
    this.fallback = new HttpErrorFilter(redactUrl);
  }

  catch(exception: BadRequestException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    if (!req.path.startsWith('/ocpi/')) return this.fallback.catch(exception, host);
    const res = host.switchToHttp().getResponse<Response>();
    if (!res.headersSent) res.status(400).json(ocpiResponse(OcpiStatus.ClientError, undefined, `malformed request: ${exception.message}`));
  }
}
