import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { HttpErrorFilter, ROOT_LOGGER } from '@cpo/platform';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { RemsExceptionFilter } from './rems-exception.filter.js';

/** Path prefixes of the enfinity-rems device and meter API. */
const DEVICE_API = /^\/api\/v1\/(device|meter|energy)(\/|$|\?)/;

/**
 * App-wide filter for failures that happen before a device-API controller is reached (a body that
 * is not JSON, a body too large): on device-API paths they still get the REMS envelope, devices
 * never parse the operator format. Everything else goes to the platform's filter unchanged.
 */
@Catch()
export class DevicePathErrorFilter implements ExceptionFilter {
  private readonly rems: RemsExceptionFilter;
  private readonly platform = new HttpErrorFilter();

  constructor(@Inject(ROOT_LOGGER) root: Logger) {
    this.rems = new RemsExceptionFilter(root);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request | undefined>();
    if (req && DEVICE_API.test(req.originalUrl ?? req.url ?? '')) this.rems.catch(exception, host);
    else this.platform.catch(exception, host);
  }
}
