import { Body, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { HubUrls } from '../edge/hub-urls.js';
import type { Agreement, Connection } from './partner.types.js';
import { PartnersService } from './partners.service.js';

const PartyRefDto = z.strictObject({ countryCode: z.string().regex(/^[A-Za-z]{2}$/).transform((s) => s.toUpperCase()), partyId: z.string().regex(/^[A-Za-z0-9]{3}$/).transform((s) => s.toUpperCase()) });
const CreateConnectionDto = z.strictObject({
  name: z.string().min(1).max(100),
  parties: z.array(PartyRefDto.extend({ role: z.enum(['CPO', 'EMSP', 'NSP', 'OTHER', 'SCSP']) })).min(1).max(20),
  ownerIdExtensions: z.boolean().optional(),
  outboundEncoding: z.enum(['plain', 'base64']).optional(),
});
const CreateAgreementDto = z.strictObject({
  cpo: PartyRefDto,
  emsp: PartyRefDto,
  rtaOnTimeout: z.enum(['ALLOW', 'DENY']).optional(),
  rtaTimeoutMs: z.number().int().min(100).max(30_000).optional(),
  /** Offer the 2.1.1 custom charging-profiles module between these parties (default off). */
  chargingProfiles211: z.boolean().optional(),
});
const UpdateAgreementDto = CreateAgreementDto.omit({ cpo: true, emsp: true }).refine((o) => Object.keys(o).length > 0, 'nothing to change');

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ValidationError('invalid request body', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return r.data;
}

/** The operator's view of a connection: never any token except token A at creation. */
function view(c: Connection) {
  return {
    id: c.id,
    name: c.name,
    face: c.face,
    status: c.status,
    version: c.version,
    parties: c.parties.map(({ countryCode, partyId, role }) => ({ countryCode, partyId, role })),
    endpoints: c.endpoints,
    outboundEncoding: c.outboundEncoding,
    inboundEncoding: c.inboundEncoding,
    ownerIdExtensions: c.ownerIdExtensions,
    needsResync: c.needsResync,
  };
}

function agreementView(a: Agreement) {
  return {
    id: a.id,
    cpo: { countryCode: a.cpo.countryCode, partyId: a.cpo.partyId },
    emsp: { countryCode: a.emsp.countryCode, partyId: a.emsp.partyId },
    rtaOnTimeout: a.rtaOnTimeout,
    rtaTimeoutMs: a.rtaTimeoutMs,
    chargingProfiles211: a.chargingProfiles211,
  };
}

/** Operator API: partner connections (token A) and roaming agreements. */
@OperatorController('ocpi', 'ocpi')
export class PartnersOperatorController {
  constructor(
    private readonly partners: PartnersService,
    private readonly urls: HubUrls,
  ) {}

  @Post('connections')
  async createConnection(@Body() body: unknown, @Req() req: Request) {
    const { connection, tokenA } = await this.partners.createConnection(parse(CreateConnectionDto, body));
    return { ...view(connection), tokenA, versionsUrl: this.urls.versionsUrl(connection.face, req) };
  }

  @Get('connections')
  async listConnections() {
    return (await this.partners.listConnections()).map(view);
  }

  @Get('connections/:id')
  async getConnection(@Param('id', ParseUUIDPipe) id: string) {
    return view(await this.partners.getConnection(id));
  }

  @Post('agreements')
  async createAgreement(@Body() body: unknown) {
    return agreementView(await this.partners.createAgreement(parse(CreateAgreementDto, body)));
  }

  @Get('agreements')
  async listAgreements() {
    return (await this.partners.listAgreements()).map(agreementView);
  }

  @Patch('agreements/:id')
  async updateAgreement(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    return agreementView(await this.partners.updateAgreement(id, parse(UpdateAgreementDto, body)));
  }

  @Delete('agreements/:id')
  @HttpCode(204)
  async deleteAgreement(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.partners.deleteAgreement(id);
  }
}
