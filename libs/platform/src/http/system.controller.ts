import { Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { APP_CONFIG, type PlatformConfig } from '../config/platform-config.js';
import { OperatorController } from './api-key.guard.js';

/** Identity of this running instance, for operators checking a deployment. */
@OperatorController('system')
export class SystemController {
  constructor(@Inject(APP_CONFIG) private readonly config: PlatformConfig) {}

  @Get()
  @ApiOperation({ summary: 'Service identity and runtime facts' })
  @ApiOkResponse({ description: 'service, version, environment, uptime, bus prefix' })
  info() {
    return {
      service: this.config.SERVICE_NAME,
      version: this.config.SERVICE_VERSION,
      environment: this.config.NODE_ENV,
      uptimeS: Math.round(process.uptime()),
      busPrefix: this.config.NATS_SUBJECT_PREFIX ?? null,
      node: process.version,
    };
  }
}
