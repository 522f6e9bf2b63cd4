import { Body, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Put, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import type { Response } from 'express';
import { SessionRegistry } from '../connection/session-registry.js';
import { ApiUpsertResponses } from './api-responses.js';
import { StationAdminService } from './station-admin.service.js';
import { MeterValueQuery, PageQuery, StationMessageQuery, UpsertStationDto } from './dto.js';
import { ViewsRepository } from './views.repository.js';

/** Stations: connection state (replica, last seen), boot info, connectors, profiles, meter values. */
@OperatorController('stations')
export class StationsController {
  constructor(
    private readonly views: ViewsRepository,
    private readonly registry: SessionRegistry,
    private readonly admin: StationAdminService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List stations with their connection state and connector statuses' })
  async list(@Query() q: PageQuery) {
    const page = await this.views.stations(q.offset, q.limit);
    const presence = await this.registry.presence(page.items.map((s) => s['id'] as string));
    return { ...page, items: page.items.map((s, i) => ({ ...s, connection: presence[i] ?? null })) };
  }

  @Get(':stationId')
  async get(@Param('stationId') stationId: string) {
    const station = await this.views.station(stationId);
    if (!station) throw new NotFoundException(`station ${stationId} not found`);
    const [presence] = await this.registry.presence([stationId]);
    return { ...station, connection: presence ?? null };
  }

  @Put(':stationId')
  @ApiOperation({ summary: 'Register or update a station (registration status, validation policy, security profile, password)' })
  @ApiUpsertResponses('station')
  async upsert(@Param('stationId') stationId: string, @Body() dto: UpsertStationDto, @Res({ passthrough: true }) res: Response) {
    const created = await this.admin.upsert(stationId, dto);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return this.get(stationId);
  }

  @Delete(':stationId')
  @HttpCode(204)
  async remove(@Param('stationId') stationId: string): Promise<void> {
    if (!(await this.admin.remove(stationId))) throw new NotFoundException(`station ${stationId} not found`);
  }

  @Get(':stationId/meter-values')
  meterValues(@Param('stationId') stationId: string, @Query() q: MeterValueQuery) {
    return this.views.meterValues({ stationId, ...q });
  }

  @Get(':stationId/charging-profiles')
  @ApiOperation({ summary: 'Charging profiles: desired (from the planner) versus applied (accepted by the charger)' })
  chargingProfiles(@Param('stationId') stationId: string) {
    return this.views.chargingProfiles(stationId);
  }

  @Get(':stationId/remote-starts')
  @ApiOperation({ summary: 'Remote starts accepted by the charger: Started (with the transaction), still Accepted, or TimedOut' })
  remoteStarts(@Param('stationId') stationId: string, @Query() q: PageQuery) {
    return this.views.remoteStarts(stationId, q.offset, q.limit);
  }

  @Get(':stationId/messages')
  @ApiOperation({ summary: 'Messages kept as the station sent them: DataTransfer, firmware/diagnostics/log status, security events, certificate signing requests' })
  messages(@Param('stationId') stationId: string, @Query() q: StationMessageQuery) {
    return this.views.messages(stationId, q.kind, q.offset, q.limit);
  }

  @Get(':stationId/rejected-frames')
  rejectedFrames(@Param('stationId') stationId: string, @Query() q: PageQuery) {
    return this.views.rejectedFrames(stationId, q.offset, q.limit);
  }
}
