import { OperatorController } from '@cpo/platform';
import { Body, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { parseInput } from '../http/zod-input.js';
import { GroupRepository } from './group.repository.js';
import type { Partner } from './partner.repository.js';
import { PartnersService } from './partners.service.js';

const CreatePartner = z.strictObject({
  name: z.string().min(1).max(100),
  profile: z.enum(['elmo', 'generic']).default('elmo'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The provider's initial token (T0); absent for a generic partner that registers with us first. */
  initialToken: z.string().min(1).max(767).optional(),
  ourBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
});
const PutGroup = z.strictObject({
  contractCapacityKw: z.number().nonnegative().nullable().default(null),
  stations: z.array(z.string().min(1).max(255)).max(10_000).default([]),
});
const InitialToken = z.strictObject({ initialToken: z.string().min(1).max(767) });
const Uuid = z.uuid();

/** What operators see of a partner: never its tokens. */
function view(p: Partner) {
  return {
    id: p.id,
    name: p.name,
    profile: p.profile,
    baseUrl: p.baseUrl,
    ourBaseUrl: p.ourBaseUrl,
    state: p.state,
    stateChangedAt: p.stateChangedAt,
    hasInitialToken: p.initialToken !== null,
    hasOutboundToken: p.outboundToken !== null,
    peerBaseUrl: p.peerBaseUrl,
    requiredBehaviour: p.requiredBehaviour,
    lastHandshakeRequestId: p.handshakeRequestId,
    offlineModeAt: p.offlineModeAt,
  };
}

/** Operator API: capacity-provider partners, their connection, groups and registration. */
@OperatorController('oscp/partners', 'oscp')
export class PartnersController {
  constructor(
    private readonly partners: PartnersService,
    private readonly groups: GroupRepository,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Configure a capacity provider (name, base URL, initial token, profile elmo|generic)' })
  async create(@Body() body: unknown) {
    return view(await this.partners.create(parseInput(CreatePartner, body)));
  }

  @Get()
  @ApiOperation({ summary: 'Partners with their connection state' })
  async list() {
    return (await this.partners.list()).map(view);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    return view(await this.partners.get(parseInput(Uuid, id)));
  }

  @Post(':id/register')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start registration, or re-register (resync) with the current token' })
  register(@Param('id') id: string) {
    return this.partners.register(parseInput(Uuid, id));
  }

  @Post(':id/handshake')
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-handshake: ELMO only handshakes after a Register, so this re-registers' })
  rehandshake(@Param('id') id: string) {
    return this.partners.register(parseInput(Uuid, id));
  }

  @Post(':id/rotate-token')
  @HttpCode(202)
  @ApiOperation({ summary: 'Rotate our token with PUT register (the old one works until the provider uses the new one)' })
  rotate(@Param('id') id: string) {
    return this.partners.rotateToken(parseInput(Uuid, id));
  }

  @Post(':id/inbound-token')
  @ApiOperation({ summary: 'Issue the initial token a generic partner uses to register with us first (shown once)' })
  inboundToken(@Param('id') id: string) {
    return this.partners.issueInboundToken(parseInput(Uuid, id));
  }

  @Put(':id/initial-token')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new initial token (after the old one was burnt)' })
  async initialToken(@Param('id') id: string, @Body() body: unknown) {
    await this.partners.setInitialToken(parseInput(Uuid, id), parseInput(InitialToken, body).initialToken);
  }

  @Put(':id/groups/:groupId')
  @ApiOperation({ summary: 'Configure a group: contract capacity; its stations come from the planner (planner.group.topology-changed), a list given here is used until the planner announces one' })
  async putGroup(@Param('id') id: string, @Param('groupId') groupId: string, @Body() body: unknown) {
    const partner = await this.partners.get(parseInput(Uuid, id));
    const g = parseInput(PutGroup, body);
    const saved = await this.groups.upsert({ partnerId: partner.id, groupId, contractCapacityKw: g.contractCapacityKw, stations: g.stations });
    return { groupId: saved.groupId, contractCapacityKw: saved.contractCapacityKw, stations: saved.stations };
  }

  @Get(':id/groups')
  async listGroups(@Param('id') id: string) {
    const partner = await this.partners.get(parseInput(Uuid, id));
    return (await this.groups.listByPartner(partner.id)).map((g) => ({
      groupId: g.groupId,
      contractCapacityKw: g.contractCapacityKw,
      stations: g.stations,
      registerKwh: g.register.totalWh / 1000,
      lastMeasurementMinute: g.lastPointMinute,
    }));
  }
}
