import { Body, HttpCode, Post } from '@nestjs/common';
import type { RefreshTokenRequest, SignInRequest, TokenPair } from '@cpo/rems-protocol';
import { ZodPipe } from '../common/zod-pipe.js';
import { DeviceApiController } from '../device-api/device-api.decorators.js';
import { RefreshTokenBody, SignInBody } from './auth.dto.js';
import { AuthService } from './auth.service.js';

/** 5.3 and 5.4: the token endpoints (no bearer token needed). */
@DeviceApiController('api/v1/device/auth', 'device auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('sign-in')
  @HttpCode(200)
  signIn(@Body(new ZodPipe(SignInBody)) body: SignInRequest): Promise<TokenPair> {
    return this.auth.signIn(body);
  }

  @Post('refresh-token')
  @HttpCode(200)
  refresh(@Body(new ZodPipe(RefreshTokenBody)) body: RefreshTokenRequest): Promise<TokenPair> {
    return this.auth.refresh(body);
  }
}
