import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ChargingProfileRequestKind, ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { unknownObject } from '../edge/ocpi-errors.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { sendForwarded } from '../edge/ocpi-reply.js';
import { ChargingProfilesService } from './charging-profiles.service.js';

/** The receiver interface eMSPs call (2.2.1, and the 2.1.1 CPO face's custom module). */
const RECEIVER = ['cpo-face/2.1.1/chargingprofiles/:sessionId', '2.2.1/receiver/chargingprofiles/:sessionId'];
/** The SCSP interface CPOs push ActiveChargingProfile updates to (2.2.1 Sender, 2.1.1 eMSP face). */
const SCSP = ['emsp-face/2.1.1/chargingprofiles/:sessionId', '2.2.1/sender/chargingprofiles/:sessionId'];
/** Where CPOs post the asynchronous results (the rewritten response_url). */
const RESULTS = ['emsp-face/2.1.1/chargingprofiles/:kind/:id', '2.2.1/sender/chargingprofiles/:kind/:id'];

/** Charging profiles, routed by session to the owning CPO, with results relayed back through the hub. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class ChargingProfilesController {
  constructor(private readonly profiles: ChargingProfilesService) {}

  @Get(RECEIVER)
  active(@Req() req: Request, @Res() res: Response, @Param('sessionId') sessionId: string, @Query() q: Record<string, unknown>) {
    return this.forward(req, res, 'ACTIVE', sessionId, q, undefined);
  }

  @Put(RECEIVER)
  set(@Req() req: Request, @Res() res: Response, @Param('sessionId') sessionId: string, @Query() q: Record<string, unknown>, @Body() body: unknown) {
    return this.forward(req, res, 'SET', sessionId, q, body);
  }

  @Delete(RECEIVER)
  clear(@Req() req: Request, @Res() res: Response, @Param('sessionId') sessionId: string, @Query() q: Record<string, unknown>) {
    return this.forward(req, res, 'CLEAR', sessionId, q, undefined);
  }

  /** A CPO's ActiveChargingProfile update, relayed to the eMSP/SCSP the session belongs to. */
  @Put(SCSP)
  async activeUpdate(@Req() req: Request, @Res() res: Response, @Param('sessionId') sessionId: string, @Body() body: unknown) {
    const ctx = requireContext(req);
    sendForwarded(res, ctx.version, await this.profiles.activeUpdate(ctx, sessionId, body));
  }

  @Post(RESULTS)
  @HttpCode(200)
  async result(@Req() req: Request, @Param('kind') kind: string, @Param('id') id: string, @Body() body: unknown) {
    if (!ChargingProfileRequestKind.safeParse(kind).success) throw unknownObject('unknown request');
    await this.profiles.result(requireContext(req), kind, id, body);
    return ocpiResponse(OcpiStatus.Success);
  }

  private async forward(req: Request, res: Response, kind: ChargingProfileRequestKind, sessionId: string, q: Record<string, unknown>, body: unknown): Promise<void> {
    const ctx = requireContext(req);
    sendForwarded(res, ctx.version, await this.profiles.request(ctx, kind, sessionId, q, body, req));
  }
}
