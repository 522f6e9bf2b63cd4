import { Body, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { InitiatorService } from './initiator.service.js';

const RegisterDto = z.strictObject({
  /** The partner's versions URL, handed over out of band. */
  versionsUrl: z.url({ protocol: /^https?$/ }),
  /** The token A the partner issued for us. */
  tokenA: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'printable ASCII without spaces'),
});

/** Operator API: the hub registers with a partner (the hub as initiator of the credentials handshake). */
@OperatorController('ocpi/connections', 'ocpi')
export class InitiatorController {
  constructor(private readonly initiator: InitiatorService) {}

  @Post(':id/register')
  @HttpCode(200)
  async register(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown, @Req() req: Request) {
    const parsed = RegisterDto.safeParse(body);
    if (!parsed.success) throw new ValidationError('invalid request body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    const c = await this.initiator.register(id, parsed.data, req);
    return { id: c.id, name: c.name, status: c.status, version: c.version, endpoints: c.endpoints };
  }
}
