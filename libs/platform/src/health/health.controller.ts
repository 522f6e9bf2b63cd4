import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthRegistry } from './health.registry.js';

const CHECK_TIMEOUT_MS = 3000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  /** Liveness: the process answers. Dependencies are deliberately not checked here. */
  @Get()
  @ApiOperation({ summary: 'Liveness probe' })
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeS: Math.round(process.uptime()) })]);
  }

  /** Readiness: every dependency this app registered answers; false while draining. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe: database, NATS, and Redis/MQTT where used' })
  @HealthCheck()
  ready() {
    return this.health.check([
      () => (this.shuttingDown ? this.indicators.check('shutdown').down('draining') : this.indicators.check('shutdown').up()),
      ...this.registry
        .entries()
        .map(([name, check]) => () => this.indicators.check(name).attempt(({ signal }) => check(signal)).withTimeout(CHECK_TIMEOUT_MS)),
    ]);
  }

  /** Called when shutdown starts, so load balancers stop routing here first. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }
}
