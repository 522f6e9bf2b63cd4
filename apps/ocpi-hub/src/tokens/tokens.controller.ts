import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { describe, LocationReferences, ocpiResponse, OcpiStatus, sameParty } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import { HubUrls } from '../edge/hub-urls.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { requireContext, type OcpiContext } from '../edge/ocpi-context.js';
import { invalidParameters, unknownToken } from '../edge/ocpi-errors.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { selfUrl, sendForwarded, sendPage } from '../edge/ocpi-reply.js';
import { TOKENS } from '../objects/module-spec.js';
import { PushService, type PushMethod } from '../objects/push.service.js';
import { ReadService } from '../objects/read.service.js';
import { RtaService } from './rta.service.js';

const RECEIVER = ['cpo-face/2.1.1/tokens/:cc/:pid/:uid', '2.2.1/receiver/tokens/:cc/:pid/:uid'];
const SENDER = ['emsp-face/2.1.1/tokens', '2.2.1/sender/tokens'];
const AUTHORIZE = ['emsp-face/2.1.1/tokens/:uid/authorize', '2.2.1/sender/tokens/:uid/authorize'];

const tokenType = (query: Record<string, unknown>, body?: unknown) =>
  typeof query.type === 'string' ? query.type : typeof (body as { type?: unknown })?.type === 'string' ? String((body as { type: string }).type) : 'RFID';

/** Tokens (direction reversed): eMSPs push to the receiver; CPOs read the cache and ask for real-time authorisation. */
@ApiExcludeController()
@Controller('ocpi')
@UseGuards(OcpiAuthGuard)
@UseFilters(OcpiExceptionFilter)
export class TokensController {
  constructor(
    private readonly push: PushService,
    private readonly read: ReadService,
    private readonly rta: RtaService,
    private readonly urls: HubUrls,
  ) {}

  @Put(RECEIVER)
  putToken(@Req() req: Request, @Res() res: Response, @Param() p: { cc: string; pid: string; uid: string }, @Query() q: Record<string, unknown>, @Body() body: unknown) {
    return this.write(req, res, p, q, 'PUT', body);
  }

  @Patch(RECEIVER)
  patchToken(@Req() req: Request, @Res() res: Response, @Param() p: { cc: string; pid: string; uid: string }, @Query() q: Record<string, unknown>, @Body() body: unknown) {
    return this.write(req, res, p, q, 'PATCH', body);
  }

  @Get(RECEIVER)
  async readBack(@Req() req: Request, @Param() p: { cc: string; pid: string; uid: string }, @Query() q: Record<string, unknown>) {
    const path = { owner: { countryCode: p.cc.toUpperCase(), partyId: p.pid.toUpperCase() }, objectId: p.uid, objectType: tokenType(q) };
    return ocpiResponse(OcpiStatus.Success, await this.push.readBack(requireContext(req), TOKENS, path));
  }

  @Get(SENDER)
  async list(@Req() req: Request, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const page = await this.read.list(requireContext(req), TOKENS, query, selfUrl(this.urls, req));
    sendPage(res, page);
  }

  @Post(AUTHORIZE)
  @HttpCode(200)
  async authorize(@Req() req: Request, @Param('uid') uid: string, @Query() q: Record<string, unknown>, @Body() body: unknown) {
    const ctx = requireContext(req);
    let refs: Record<string, unknown> | undefined;
    if (body !== undefined && !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) {
      const parsed = LocationReferences.safeParse(body);
      if (!parsed.success) throw invalidParameters(`invalid LocationReferences: ${describe(parsed.error)}`);
      refs = body as Record<string, unknown>;
    }
    const result = await this.rta.authorize({ cpo: this.requester(ctx), uid, type: tokenType(q), locationReferences: refs, correlationId: ctx.correlationId, cpoVersion: ctx.version });
    if (result.kind === 'unknown') throw unknownToken('token unknown to every eMSP asked'); // no uid: the partner sent it, and this message is logged
    return ocpiResponse(OcpiStatus.Success, result.info);
  }

  /** The CPO party asking: FROM picks among a multi-role connection's CPOs. */
  private requester(ctx: OcpiContext) {
    const cpos = ctx.connection.parties.filter((p) => p.role === 'CPO');
    const from = ctx.routing.from;
    const party = from ? cpos.find((p) => sameParty(p, from)) : cpos[0];
    if (!party) throw invalidParameters('only a CPO party can ask for real-time authorisation');
    return party;
  }

  private async write(req: Request, res: Response, p: { cc: string; pid: string; uid: string }, q: Record<string, unknown>, method: PushMethod, body: unknown): Promise<void> {
    const ctx = requireContext(req);
    const path = { owner: { countryCode: p.cc.toUpperCase(), partyId: p.pid.toUpperCase() }, objectId: p.uid, objectType: tokenType(q, method === 'PUT' ? body : undefined) };
    const forwarded = await this.push.push(ctx, TOKENS, path, method, body);
    if (forwarded) return sendForwarded(res, ctx.version, forwarded);
    res.status(200).json(ocpiResponse(OcpiStatus.Success));
  }
}
