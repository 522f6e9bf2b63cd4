import { Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { CapacityRequestService } from './capacity-request.service.js';

/** The daily extra-capacity request (ELMO adjust): decisions, and deciding now before the cut-off. */
@OperatorController('groups')
export class CapacityRequestController {
  constructor(private readonly requests: CapacityRequestService) {}

  @Post(':groupId/adjust-requests')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decide tomorrow now: per hour the need, the assignment and what is requested, and whether a request was sent (409 after the cut-off)' })
  decide(@Param('groupId') groupId: string) {
    return this.requests.decide(groupId, 'operator');
  }

  @Get(':groupId/adjust-requests')
  @ApiOperation({ summary: 'Past decisions, newest first' })
  list(@Param('groupId') groupId: string) {
    return this.requests.list(groupId);
  }
}
