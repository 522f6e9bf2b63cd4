import { Injectable, UnsupportedMediaTypeException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/** The media types read as JSON: by the body parser, and let through here. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * Where Nest keeps a handler's parameter decorators (`{"3:0": …}` for a `@Body()` first parameter),
 * and the type of `@Body()`: ROUTE_ARGS_METADATA and RouteParamtypes.BODY, which @nestjs/common
 * exports only from its internal entry point. bootstrap.spec.ts fails if they ever change.
 */
const ROUTE_ARGS_METADATA = '__routeArguments__';
const BODY_PARAM = 3;

/**
 * Refuses a request body that is not JSON with a 415, on the routes that read one (`@Body()`). The
 * APIs read JSON only: a `text/plain` body was left unparsed and validated as `{}` (a PUT then
 * replaced a token with its defaults), and a form (urlencoded) body was parsed into strings the
 * DTOs partly accepted. A request without a body passes, whatever its Content-Type, as does a route
 * reading another kind (a multipart upload). An interceptor, not a middleware: it runs once the
 * route is chosen, so each protocol edge's own filter answers the 415 in its format.
 */
@Injectable()
export class JsonOnlyInterceptor implements NestInterceptor {
  private readonly readsBody = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && this.takesBody(context)) {
      const req = context.switchToHttp().getRequest<Request>();
      if (hasBody(req) && !req.is(JSON_MEDIA_TYPES)) {
        throw new UnsupportedMediaTypeException(`the body must be JSON (Content-Type: application/json), not ${req.headers['content-type']?.slice(0, 100) ?? 'untyped'}`);
      }
    }
    return next.handle();
  }

  private takesBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.readsBody.get(handler);
    if (takes === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      takes = Object.keys(args).some((key) => key.split(':')[0] === String(BODY_PARAM));
      this.readsBody.set(handler, takes);
    }
    return takes;
  }
}

/** A body follows the headers: chunked, or a Content-Length above 0 (fetch sends 0 on a bodiless POST). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
}
