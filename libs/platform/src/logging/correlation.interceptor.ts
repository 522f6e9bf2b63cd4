import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { runWithCorrelation } from './correlation.js';

/**
 * Runs each HTTP handler inside the request's correlation context. An
 * interceptor (not a middleware) because it wraps the handler itself, after
 * body parsing, where async-context propagation is reliable.
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<{ id?: unknown }>();
    const id = typeof req.id === 'string' ? req.id : undefined;
    return new Observable((subscriber) => runWithCorrelation(id, () => next.handle().subscribe(subscriber)));
  }
}
