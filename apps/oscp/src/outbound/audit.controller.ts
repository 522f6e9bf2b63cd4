import { OperatorController } from '@cpo/platform';
import { Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/zod-input.js';
import { OutboundRepository } from './outbound.repository.js';

const AuditQuery = z.strictObject({
  partnerId: z.uuid().optional(),
  action: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Operator API: the outbound audit log (request id, correlation id, status, attempts, response). */
@OperatorController('oscp/outbound', 'oscp')
export class AuditController {
  constructor(private readonly outbound: OutboundRepository) {}

  @Get()
  @ApiOperation({ summary: 'Outbound OSCP messages, newest first' })
  list(@Query() query: unknown) {
    return this.outbound.list(parseInput(AuditQuery, query));
  }
}
