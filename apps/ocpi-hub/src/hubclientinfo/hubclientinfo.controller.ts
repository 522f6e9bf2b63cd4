import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { paginationHeaders, parsePageQuery, inWindow } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext } from '../edge/ocpi-context.js';
import { invalidParameters } from '../edge/ocpi-errors.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { selfUrl, pageHead, sendPage } from '../edge/ocpi-reply.js';
import { PartnersRepository } from '../partners/partners.repository.js';
import { clientInfo } from './client-info.service.js';

const MAX_LIMIT = 100;

/** HubClientInfo Sender (2.2.1): the parties the caller has agreements with, and their status. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class HubClientInfoController {
  constructor(
    private readonly repo: PartnersRepository,
    private readonly urls: HubUrls,
  ) {}

  @Get('2.2.1/sender/hubclientinfo')
  async list(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const ctx = requireContext(req);
    const q = parsePageQuery(query, MAX_LIMIT);
    if (!q.ok) throw invalidParameters(q.reason);
    const mine = ctx.connection.parties.map((p) => p.id);
    const agreements = await this.repo.listAgreements({ partyIds: mine });
    const others = agreements.map((a) => (mine.includes(a.cpo.id) ? a.emsp : a.cpo));
    const connections = new Map((await this.repo.findConnections([...new Set(others.map((o) => o.connectionId))])).map((c) => [c.id, c]));
    const all = others
      .map((p) => ({ p, c: connections.get(p.connectionId) }))
      .filter(({ c }) => c && inWindow(c.updatedAt, q.value))
      .map(({ p, c }) => JSON.stringify(clientInfo(p, c!.status, c!.updatedAt)));
    const page = all.slice(q.value.offset, q.value.offset + q.value.limit);
    sendPage(res, { head: pageHead(page.join(',')), headers: paginationHeaders(selfUrl(this.urls, req), q.value, all.length, MAX_LIMIT, page.length) });
  }
}
