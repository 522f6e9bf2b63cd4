import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { bodyOwner, ocpiResponse, OcpiStatus, type PartyRef } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext, type OcpiContext } from '../edge/ocpi-context.js';
import { invalidParameters } from '../edge/ocpi-errors.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { selfUrl, sendForwarded, sendPage } from '../edge/ocpi-reply.js';
import { CDRS, SESSIONS } from '../objects/module-spec.js';
import { PushService } from '../objects/push.service.js';
import { ReadService } from '../objects/read.service.js';
import { RoutedPushService } from './routed-push.service.js';

const SESSION_RECEIVER = ['emsp-face/2.1.1/sessions/:cc/:pid/:id', '2.2.1/receiver/sessions/:cc/:pid/:id'];
const CDR_RECEIVER = ['emsp-face/2.1.1/cdrs', '2.2.1/receiver/cdrs'];
type Owned = { cc: string; pid: string; id: string };
const owner = (p: Owned): PartyRef => ({ countryCode: p.cc.toUpperCase(), partyId: p.pid.toUpperCase() });

/** Sessions and CDRs: CPOs push, the hub keeps a copy and delivers to the one eMSP concerned. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class SessionsController {
  constructor(
    private readonly routed: RoutedPushService,
    private readonly push: PushService,
    private readonly read: ReadService,
    private readonly urls: HubUrls,
  ) {}

  @Put(SESSION_RECEIVER)
  async putSession(@Req() req: Request, @Res() res: Response, @Param() p: Owned, @Body() body: unknown) {
    const ctx = requireContext(req);
    sendForwarded(res, ctx.version, await this.routed.push(ctx, SESSIONS, { owner: owner(p), objectId: p.id }, 'PUT', body));
  }

  @Patch(SESSION_RECEIVER)
  async patchSession(@Req() req: Request, @Res() res: Response, @Param() p: Owned, @Body() body: unknown) {
    const ctx = requireContext(req);
    sendForwarded(res, ctx.version, await this.routed.push(ctx, SESSIONS, { owner: owner(p), objectId: p.id }, 'PATCH', body));
  }

  @Get(SESSION_RECEIVER)
  async readSession(@Req() req: Request, @Param() p: Owned) {
    return ocpiResponse(OcpiStatus.Success, await this.push.readBack(requireContext(req), SESSIONS, { owner: owner(p), objectId: p.id }));
  }

  /** POST a CDR; the answer's `Location` points at the hub's own copy. */
  @Post(CDR_RECEIVER)
  @HttpCode(200)
  async postCdr(@Req() req: Request, @Res() res: Response, @Body() body: unknown) {
    const ctx = requireContext(req);
    const cdrOwner = this.cdrOwner(ctx, body);
    const id = String((body as { id?: unknown })?.id ?? '');
    const forwarded = await this.routed.push(ctx, CDRS, { owner: cdrOwner, objectId: id }, 'POST', body);
    res.setHeader('Location', `${selfUrl(this.urls, req)}/${cdrOwner.countryCode}/${cdrOwner.partyId}/${encodeURIComponent(id)}`);
    sendForwarded(res, ctx.version, forwarded);
  }

  @Get(CDR_RECEIVER.map((b) => `${b}/:cc/:pid/:id`))
  async readCdr(@Req() req: Request, @Param() p: Owned) {
    return ocpiResponse(OcpiStatus.Success, await this.push.readBack(requireContext(req), CDRS, { owner: owner(p), objectId: p.id }));
  }

  @Get(['cpo-face/2.1.1/sessions', '2.2.1/sender/sessions'])
  async listSessions(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const page = await this.read.list(requireContext(req), SESSIONS, query, selfUrl(this.urls, req));
    sendPage(res, page);
  }

  @Get(['cpo-face/2.1.1/cdrs', '2.2.1/sender/cdrs'])
  async listCdrs(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const page = await this.read.list(requireContext(req), CDRS, query, selfUrl(this.urls, req));
    sendPage(res, page);
  }

  /** 2.2.1 CDRs name their owner; a 2.1.1 CDR belongs to the connection's single CPO party. */
  private cdrOwner(ctx: OcpiContext, body: unknown): PartyRef {
    const fromBody = typeof body === 'object' && body !== null ? bodyOwner(body as Record<string, unknown>) : undefined;
    if (fromBody) return fromBody;
    const cpo = ctx.connection.parties.find((p) => p.role === 'CPO');
    if (!cpo) throw invalidParameters('only a CPO can post CDRs');
    return { countryCode: cpo.countryCode, partyId: cpo.partyId };
  }
}
