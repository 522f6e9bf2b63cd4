import { Controller, Delete, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InboundService, type InboundRequest } from './inbound.service.js';
import { OscpErrorFilter } from './oscp-error.filter.js';

/**
 * Our OSCP 2.0 Flexibility Provider endpoints: `/oscp/fp/2.0/{action}`. Success is 204 with an
 * empty body, answered only after the message is committed; follow-ups start once it is sent.
 */
@ApiExcludeController()
@Controller('oscp/fp/2.0')
@UseFilters(OscpErrorFilter)
export class InboundController {
  constructor(private readonly inbound: InboundService) {}

  @Post(':action')
  post(@Param('action') action: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.handle('POST', action, req, res);
  }

  @Put(':action')
  put(@Param('action') action: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.handle('PUT', action, req, res);
  }

  @Delete(':action')
  delete(@Param('action') action: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.handle('DELETE', action, req, res);
  }

  private async handle(method: InboundRequest['method'], segment: string, req: Request, res: Response): Promise<void> {
    await this.inbound.receive({ method, segment, headers: req.headers, body: req.body });
    res.once('finish', () => this.inbound.answered());
    res.status(204).end();
  }
}
