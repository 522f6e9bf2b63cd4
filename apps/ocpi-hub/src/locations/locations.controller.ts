import { Body, Controller, Get, Param, Patch, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { selfUrl, sendForwarded, sendPage } from '../edge/ocpi-reply.js';
import { LOCATIONS } from '../objects/module-spec.js';
import type { ObjectPath } from '../objects/broadcast.service.js';
import { PushService, type PushMethod } from '../objects/push.service.js';
import { ReadService } from '../objects/read.service.js';

const RECEIVER = ['emsp-face/2.1.1/locations', '2.2.1/receiver/locations'];
const SENDER = ['cpo-face/2.1.1/locations', '2.2.1/sender/locations'];
const paths = (bases: string[], suffix: string) => bases.map((b) => `${b}${suffix}`);
const ONE = '/:cc/:pid/:locationId';
const EVSE = `${ONE}/:evseUid`;
const CONNECTOR = `${EVSE}/:connectorId`;

interface Params {
  cc: string;
  pid: string;
  locationId: string;
  evseUid?: string;
  connectorId?: string;
}

function objectPath(p: Params): ObjectPath {
  return { owner: { countryCode: p.cc.toUpperCase(), partyId: p.pid.toUpperCase() }, objectId: p.locationId, evseUid: p.evseUid, connectorId: p.connectorId };
}

/** Locations: the receiver interface CPOs push to, and the sender interface eMSPs read from the cache. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class LocationsController {
  constructor(
    private readonly push: PushService,
    private readonly read: ReadService,
    private readonly urls: HubUrls,
  ) {}

  @Put([...paths(RECEIVER, ONE), ...paths(RECEIVER, EVSE), ...paths(RECEIVER, CONNECTOR)])
  putObject(@Req() req: Request, @Res() res: Response, @Param() p: Params, @Body() body: unknown) {
    return this.write(req, res, p, 'PUT', body);
  }

  @Patch([...paths(RECEIVER, ONE), ...paths(RECEIVER, EVSE), ...paths(RECEIVER, CONNECTOR)])
  patchObject(@Req() req: Request, @Res() res: Response, @Param() p: Params, @Body() body: unknown) {
    return this.write(req, res, p, 'PATCH', body);
  }

  @Get([...paths(RECEIVER, ONE), ...paths(RECEIVER, EVSE), ...paths(RECEIVER, CONNECTOR)])
  async readBack(@Req() req: Request, @Param() p: Params) {
    return ocpiResponse(OcpiStatus.Success, await this.push.readBack(requireContext(req), LOCATIONS, objectPath(p)));
  }

  @Get(SENDER)
  async list(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const page = await this.read.list(requireContext(req), LOCATIONS, query, selfUrl(this.urls, req));
    sendPage(res, page);
  }

  @Get([...paths(SENDER, '/:locationId'), ...paths(SENDER, '/:locationId/:evseUid'), ...paths(SENDER, '/:locationId/:evseUid/:connectorId')])
  async one(@Req() req: Request, @Param() p: { locationId: string; evseUid?: string; connectorId?: string }) {
    return ocpiResponse(OcpiStatus.Success, await this.read.one(requireContext(req), LOCATIONS, { objectId: p.locationId, evseUid: p.evseUid, connectorId: p.connectorId }));
  }

  private async write(req: Request, res: Response, p: Params, method: PushMethod, body: unknown): Promise<void> {
    const ctx = requireContext(req);
    const forwarded = await this.push.push(ctx, LOCATIONS, objectPath(p), method, body);
    if (forwarded) return sendForwarded(res, ctx.version, forwarded);
    res.status(200).json(ocpiResponse(OcpiStatus.Success));
  }
}
