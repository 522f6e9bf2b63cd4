import { applyDecorators, Controller, createParamDecorator, ExecutionContext, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DeviceAuthGuard, type AuthenticatedDevice } from '../auth/device-auth.guard.js';
import { RemsEnvelopeInterceptor } from './envelope.interceptor.js';
import { RemsExceptionFilter } from './rems-exception.filter.js';

/** A controller of the enfinity-rems device/meter API: guide envelopes and error format. */
export function DeviceApiController(path: string, tag: string) {
  return applyDecorators(Controller(path), UseFilters(RemsExceptionFilter), UseInterceptors(RemsEnvelopeInterceptor), ApiTags(tag));
}

/** Requires `authorization: Bearer <accessToken>` of an ACTIVE device. */
export function DeviceAuth() {
  return applyDecorators(UseGuards(DeviceAuthGuard), ApiBearerAuth());
}

/** The device the access token belongs to (set by {@link DeviceAuth}). */
export const CurrentDevice = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedDevice => {
  const req = ctx.switchToHttp().getRequest<{ device?: AuthenticatedDevice }>();
  if (!req.device) throw new Error('CurrentDevice used without DeviceAuth');
  return req.device;
});
