import { OperatorController } from '@cpo/platform';
import { taipeiDayHours, taipeiTomorrow, type Clock } from '@cpo/oscp-protocol';
import { Body, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { OSCP_CLOCK } from '../clock.js';
import { parseInput } from '../http/zod-input.js';
import { AdjustService } from './adjust.service.js';

const AdjustBody = z.strictObject({
  /** Requested kW for tomorrow: one value for every hour, or 24 hourly values (absolute, the whole day). */
  kw: z.union([z.number().nonnegative(), z.array(z.number().nonnegative()).length(24)]),
  reason: z.string().min(1).max(500).default('operator request'),
});

/** Operator API: ask the provider for different capacity tomorrow (same rules as the planner's request). */
@OperatorController('oscp/partners', 'oscp')
export class AdjustController {
  constructor(
    private readonly adjusts: AdjustService,
    @Inject(OSCP_CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':id/groups/:groupId/adjust')
  @HttpCode(202)
  @ApiOperation({ summary: "Request tomorrow's capacity (24 hourly kW, or one value for all hours)" })
  request(@Param('id') id: string, @Param('groupId') groupId: string, @Body() body: unknown) {
    const b = parseInput(AdjustBody, body);
    const date = taipeiTomorrow(this.clock.now());
    const blocks = taipeiDayHours(date).map((h, i) => ({
      startTime: new Date(h.startMs).toISOString(),
      endTime: new Date(h.endMs).toISOString(),
      powerW: (Array.isArray(b.kw) ? b.kw[i] : b.kw) * 1000,
    }));
    return this.adjusts.requestNow({ groupId, partnerId: parseInput(z.uuid(), id), date, requestedBy: 'operator', reason: b.reason, blocks });
  }
}
