import { CalendarDate } from '@cpo/contracts';
import { OperatorController } from '@cpo/platform';
import { Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/zod-input.js';
import { ForecastsService } from './forecasts.service.js';

const ForecastQuery = z.strictObject({
  partnerId: z.uuid().optional(),
  groupId: z.string().min(1).optional(),
  day: CalendarDate.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Operator API: capacity forecasts per group and day, with their classification. */
@OperatorController('oscp/forecasts', 'oscp')
export class ForecastsController {
  constructor(private readonly forecasts: ForecastsService) {}

  @Get()
  @ApiOperation({ summary: 'Received forecasts, newest first (filter by partnerId, groupId, Taipei day)' })
  list(@Query() query: unknown) {
    return this.forecasts.list(parseInput(ForecastQuery, query));
  }
}
