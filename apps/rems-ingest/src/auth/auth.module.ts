import { Module } from '@nestjs/common';
import { TransceiversModule } from '../transceivers/transceivers.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { DeviceAuthGuard } from './device-auth.guard.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { TokenService } from './token.service.js';

/** Device sign-in, refresh and the bearer-token guard of the device API. */
@Module({
  imports: [TransceiversModule],
  controllers: [AuthController],
  providers: [AuthService, TokenService, RefreshTokenRepository, DeviceAuthGuard],
  exports: [AuthService, DeviceAuthGuard],
})
export class AuthModule {}
