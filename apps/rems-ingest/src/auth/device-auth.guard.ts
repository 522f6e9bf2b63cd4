import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { remsError } from '../device-api/rems-errors.js';
import { AuthService } from './auth.service.js';
import type { DeviceIdentity } from './token.service.js';

/** The authenticated device of a request. */
export type AuthenticatedDevice = DeviceIdentity;

/** `authorization: Bearer <accessToken>` (header name case-insensitive, as HTTP headers are). */
@Injectable()
export class DeviceAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { device?: AuthenticatedDevice }>();
    const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw remsError('UNAUTHORIZED', 'missing authorization: Bearer <accessToken>');
    req.device = await this.auth.authenticate(token);
    return true;
  }
}
