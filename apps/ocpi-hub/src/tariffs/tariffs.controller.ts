import { Body, Controller, Delete, Get, Param, Patch, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { unknownObject } from '../edge/ocpi-errors.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { selfUrl, sendForwarded, sendPage } from '../edge/ocpi-reply.js';
import { TARIFFS } from '../objects/module-spec.js';
import { PushService, type PushMethod } from '../objects/push.service.js';
import { ReadService } from '../objects/read.service.js';

const RECEIVER = ['emsp-face/2.1.1/tariffs/:cc/:pid/:id', '2.2.1/receiver/tariffs/:cc/:pid/:id'];
type Owned = { cc: string; pid: string; id: string };
const path = (p: Owned) => ({ owner: { countryCode: p.cc.toUpperCase(), partyId: p.pid.toUpperCase() }, objectId: p.id });

/** Tariffs: CPOs push (PUT, DELETE; PATCH on 2.1.1 only), broadcast to agreed eMSPs, read from the cache. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class TariffsController {
  constructor(
    private readonly push: PushService,
    private readonly read: ReadService,
    private readonly urls: HubUrls,
  ) {}

  @Put(RECEIVER)
  putTariff(@Req() req: Request, @Res() res: Response, @Param() p: Owned, @Body() body: unknown) {
    return this.write(req, res, p, 'PUT', body);
  }

  @Patch(RECEIVER)
  patchTariff(@Req() req: Request, @Res() res: Response, @Param() p: Owned, @Body() body: unknown) {
    // 2.2.1 removed PATCH from Tariffs: a 2.2.1 client gets "unknown resource".
    if (requireContext(req).version === '2.2.1') throw unknownObject('PATCH is not part of the 2.2.1 Tariffs module');
    return this.write(req, res, p, 'PATCH', body);
  }

  @Delete(RECEIVER)
  deleteTariff(@Req() req: Request, @Res() res: Response, @Param() p: Owned) {
    return this.write(req, res, p, 'DELETE', undefined);
  }

  @Get(RECEIVER)
  async readBack(@Req() req: Request, @Param() p: Owned) {
    return ocpiResponse(OcpiStatus.Success, await this.push.readBack(requireContext(req), TARIFFS, path(p)));
  }

  @Get(['cpo-face/2.1.1/tariffs', '2.2.1/sender/tariffs'])
  async list(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const page = await this.read.list(requireContext(req), TARIFFS, query, selfUrl(this.urls, req));
    sendPage(res, page);
  }

  private async write(req: Request, res: Response, p: Owned, method: PushMethod, body: unknown): Promise<void> {
    const ctx = requireContext(req);
    const forwarded = await this.push.push(ctx, TARIFFS, path(p), method, body);
    if (forwarded) return sendForwarded(res, ctx.version, forwarded);
    res.status(200).json(ocpiResponse(OcpiStatus.Success));
  }
}
