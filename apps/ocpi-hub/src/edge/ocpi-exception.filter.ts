import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { DomainError, ROOT_LOGGER, URL_REDACTOR, type ErrorKind, type UrlRedactor } from '@cpo/platform';
import { ocpiResponse, OcpiStatus, statusForVersion, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ocpiContextOf } from './ocpi-context.js';
import type { OcpiErrorDetails } from './ocpi-errors.js';

/** HTTP status and OCPI code per error kind, when the error names neither (guide §3, §8.4). */
const defaults: Record<ErrorKind, { http: number; code: number }> = {
  validation: { http: 200, code: OcpiStatus.InvalidParameters },
  not_found: { http: 404, code: OcpiStatus.ClientError },
  conflict: { http: 200, code: OcpiStatus.ClientError },
  unauthorized: { http: 401, code: OcpiStatus.ClientError },
  forbidden: { http: 403, code: OcpiStatus.ClientError },
  timeout: { http: 200, code: OcpiStatus.ForwardTimeout },
  unavailable: { http: 200, code: OcpiStatus.ConnectionProblem },
};

/** The OCPI version of a request path, for errors raised before the guard ran. */
export function versionOfPath(path: string): OcpiVersion {
  return path.includes('/2.1.1') ? '2.1.1' : '2.2.1';
}

/**
 * The OCPI edge's error format: the envelope with the right status code, HTTP status per the spec,
 * 4xxx mapped to 3000 on 2.1.1 edges, and the request id echoed.
 */
@Catch()
export class OcpiExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(URL_REDACTOR) private readonly redactUrl: UrlRedactor,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const ctx = ocpiContextOf(req);
    const version = ctx?.version ?? versionOfPath(req.path);
    let http = 500;
    let code: number = OcpiStatus.ServerError;
    let message = 'internal error';
    let data: unknown;
    if (exception instanceof DomainError) {
      const d = (exception.details ?? {}) as OcpiErrorDetails;
      http = d.httpStatus ?? defaults[exception.kind].http;
      code = d.ocpiStatus ?? defaults[exception.kind].code;
      message = exception.message;
      data = d.data;
    } else if (exception instanceof HttpException) {
      http = exception.getStatus();
      code = http === 401 ? OcpiStatus.ClientError : http < 500 ? OcpiStatus.ClientError : OcpiStatus.ServerError;
      message = exception.message;
    }
    const mapped = statusForVersion(version, code, message);
    const log = { err: exception, path: this.redactUrl(req.path), ocpiStatus: mapped.code, http, partner: ctx?.connection?.name, requestId: ctx?.requestId };
    if (http >= 500) this.logger.error(log, 'ocpi request failed');
    else this.logger.info(log, 'ocpi request refused');
    if (res.headersSent) return;
    if (ctx) res.setHeader('X-Request-ID', ctx.requestId);
    res.status(http).json(ocpiResponse(mapped.code, data, mapped.message));
  }
}
