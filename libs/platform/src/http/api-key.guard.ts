import { createHash, timingSafeEqual } from 'node:crypto';
import { applyDecorators, CanActivate, Controller, ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { UnauthorizedError } from '../errors/errors.js';

export const API_KEY_HEADER = 'x-api-key';
export const API_KEY_SECURITY = 'operator-api-key';

/**
 * Guards operator routes: the key comes in `X-API-Key` or as a Bearer token.
 * Compared through fixed-length digests so timing reveals nothing about it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(APP_CONFIG) config: PlatformConfig) {
    this.expected = digest(config.OPERATOR_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers[API_KEY_HEADER];
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const presented = typeof header === 'string' ? header : bearer;
    if (!presented) throw new UnauthorizedError('missing operator API key (X-API-Key header)');
    if (!timingSafeEqual(digest(presented), this.expected)) throw new UnauthorizedError('invalid operator API key');
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Marks a controller as part of the operator API: mounted under `/api/v1/<path>`,
 * guarded by the API key and documented as such in OpenAPI.
 */
export function OperatorController(path: string, tag = path) {
  return applyDecorators(
    Controller(`api/v1/${path}`),
    UseGuards(ApiKeyGuard),
    ApiTags(tag),
    ApiSecurity(API_KEY_SECURITY),
    ApiUnauthorizedResponse({ description: 'Missing or invalid X-API-Key' }),
  );
}
