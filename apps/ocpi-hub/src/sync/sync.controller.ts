import { Body, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { SyncService } from './sync.service.js';

const SyncDto = z.strictObject({ mode: z.enum(['delta', 'full']).default('delta') });

/** Operator API: pull one partner's Sender data now. */
@OperatorController('ocpi/connections', 'ocpi')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post(':id/sync')
  @HttpCode(200)
  async run(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    const parsed = SyncDto.safeParse(body ?? {});
    if (!parsed.success) throw new ValidationError('invalid request body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    return { reports: await this.sync.syncConnection(id, parsed.data.mode) };
  }
}
