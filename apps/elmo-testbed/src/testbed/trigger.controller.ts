import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { TriggerService } from './trigger.service.js';

/**
 * The public testbed's trigger endpoints. Body: `{ callback_url, header: { authorization },
 * purpose, group_id, capacity }`; answer `200 {request_id, callback_status, sent_body, error?}`.
 */
@ApiTags('elmo-trigger')
@Controller('trigger-callback/2.0')
export class TriggerController {
  constructor(private readonly triggers: TriggerService) {}

  @Post(':action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send register, handshake or update_group_capacity_forecast to callback_url' })
  trigger(@Param('action') action: string, @Body() body: unknown) {
    return this.triggers.trigger(action, body);
  }
}
