import { OperatorController } from '@cpo/platform';
import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AlertsService } from './alerts.service.js';

/** Operator API: missed-message alerts. */
@OperatorController('oscp/alerts', 'oscp')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiOperation({ summary: 'Missed assignments and replies, newest first' })
  list() {
    return this.alerts.list();
  }
}
