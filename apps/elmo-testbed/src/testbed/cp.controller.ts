import { Controller, Delete, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CpService } from './cp.service.js';
import { TestbedStore } from './testbed.store.js';

/** ELMO's capacity-provider endpoints: `/oscp/2.0/{action}`; 204 empty, errors `{message}`. */
@ApiTags('elmo-cp')
@Controller('oscp/2.0')
export class CpController {
  constructor(
    private readonly cp: CpService,
    private readonly store: TestbedStore,
  ) {}

  @Post(':action')
  post(@Param('action') action: string, @Req() req: Request, @Res() res: Response) {
    return this.answer('POST', action, req, res);
  }

  @Put(':action')
  put(@Param('action') action: string, @Req() req: Request, @Res() res: Response) {
    return this.answer('PUT', action, req, res);
  }

  @Delete(':action')
  delete(@Param('action') action: string, @Req() req: Request, @Res() res: Response) {
    return this.answer('DELETE', action, req, res);
  }

  private async answer(method: 'POST' | 'PUT' | 'DELETE', action: string, req: Request, res: Response): Promise<void> {
    const fault = this.store.fault;
    if (fault && fault.remaining > 0 && (!fault.action || fault.action === action)) {
      fault.remaining--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) {
        res.status(fault.status).json({ message: 'injected fault' });
        return;
      }
    }
    const answer = this.cp.handle({ method, action, headers: req.headers, body: req.body });
    if (answer.status === 204) res.status(204).end();
    else res.status(answer.status).json({ message: 'message' in answer ? answer.message : '' });
  }
}
