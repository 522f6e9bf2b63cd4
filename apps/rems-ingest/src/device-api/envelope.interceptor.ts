import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { successEnvelope, type RemsErrorEnvelope } from '@cpo/rems-protocol';
import { map, type Observable } from 'rxjs';

/**
 * An answer the guide shapes as an error envelope but sends with HTTP 200 (`NOT_NEED_UPDATE`):
 * returned, not thrown, because it is a normal outcome.
 */
export class RemsNotice {
  constructor(readonly body: RemsErrorEnvelope) {}
}

/** Wraps every device-API return value as `{data: …}`; 5.6 returns `{data: items}` and so becomes `data.data`. */
@Injectable()
export class RemsEnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value: unknown) => (value instanceof RemsNotice ? value.body : successEnvelope(value))));
  }
}
