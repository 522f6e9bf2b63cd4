import { Body, Controller, HttpCode, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { sendForwarded } from '../edge/ocpi-reply.js';
import { CommandsService } from './commands.service.js';

/** Commands: eMSPs post to the receiver interface; CPOs post results to the hub's rewritten response_url. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Post(['cpo-face/2.1.1/commands/:command', '2.2.1/receiver/commands/:command'])
  async request(@Req() req: Request, @Res() res: Response, @Param('command') command: string, @Body() body: unknown) {
    const ctx = requireContext(req);
    sendForwarded(res, ctx.version, await this.commands.request(ctx, command, body, req));
  }

  @Post(['emsp-face/2.1.1/commands/:command/:id', '2.2.1/sender/commands/:command/:id'])
  @HttpCode(200)
  async result(@Req() req: Request, @Param('command') command: string, @Param('id') id: string, @Body() body: unknown) {
    await this.commands.result(requireContext(req), command, id, body);
    return ocpiResponse(OcpiStatus.Success);
  }
}
