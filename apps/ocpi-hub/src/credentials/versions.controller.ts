import { Controller, Get, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ocpiResponse, OcpiStatus } from '@cpo/ocpi-protocol';
import type { Request } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { requireContext } from '../edge/ocpi-context.js';
import { PartnersService } from '../partners/partners.service.js';
import { ConfigModule, OcpiAuthGuard, pathInfo } from '../edge/ocpi-auth.guard.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import type { Face } from '../partners/partner.types.js';
import { hubEndpoints } from './hub-endpoints.js';

/** Versions and version details of both faces (any valid token, token A included). */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
@ConfigModule()
export class VersionsController {
  constructor(
    private readonly urls: HubUrls,
    private readonly partners: PartnersService,
  ) {}

  @Get(['cpo-face/versions', 'emsp-face/versions'])
  versions(@Req() req: Request) {
    const face = pathInfo(req.path).face as Face;
    return ocpiResponse(OcpiStatus.Success, [
      { version: '2.1.1', url: this.urls.versionDetailsUrl('2.1.1', face, req) },
      { version: '2.2.1', url: this.urls.versionDetailsUrl('2.2.1', face, req) },
    ]);
  }

  @Get(['cpo-face/2.1.1', 'emsp-face/2.1.1'])
  async details211(@Req() req: Request) {
    const face = pathInfo(req.path).face as Face;
    const chargingProfiles211 = await this.partners.chargingProfiles211Offered(requireContext(req).connection);
    return ocpiResponse(OcpiStatus.Success, { version: '2.1.1', endpoints: hubEndpoints(this.urls, '2.1.1', face, req, { chargingProfiles211 }) });
  }

  @Get('2.2.1')
  details221(@Req() req: Request) {
    return ocpiResponse(OcpiStatus.Success, { version: '2.2.1', endpoints: hubEndpoints(this.urls, '2.2.1', 'emsp-face', req) });
  }
}
