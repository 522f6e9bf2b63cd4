import { Body, Delete, Get, HttpCode, HttpStatus, Param, Put, Query, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import type { Response } from 'express';
import { SessionRegistry } from '../connection/session-registry.js';
import { ApiDeleted, ApiInvalidRequest, ApiPageResponse, ApiUpsertResponses, CHARGING_PROFILE_SCHEMA, OPERATOR_PROFILE_SCHEMA } from './api-responses.js';
import { METER_VALUE_PAGE_SCHEMA, REJECTED_FRAME_SCHEMA, REMOTE_START_SCHEMA, STATION_MESSAGE_SCHEMA, STATION_ROW_SCHEMA, STATION_SCHEMA } from './row-schemas.js';
import { StationAdminService } from './station-admin.service.js';
import { connectionsOf } from './station-connections.js';
import { stationNotFound, StationViewsService } from './station-views.service.js';
import { METER_VALUE_MAX_OFFSET, MeterValueQuery, PageQuery, StationIdParam, StationMessageQuery, UpsertStationDto } from './dto.js';
import { ViewsRepository } from './views.repository.js';

const NO_STATION = 'No station with this id (a known station without data answers 200 with none)';
const BAD_PAGE = 'An offset or limit out of range, or a station id with a NUL character';

/** Stations: connection state (replica, last seen), boot info, connectors, profiles, meter values. */
@OperatorController('stations')
export class StationsController {
  constructor(
    private readonly views: ViewsRepository,
    private readonly registry: SessionRegistry,
    private readonly admin: StationAdminService,
    private readonly stationViews: StationViewsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List stations with their connection state and connector statuses' })
  @ApiPageResponse('Stations by id', STATION_ROW_SCHEMA)
  @ApiInvalidRequest('An offset or limit out of range')
  async list(@Query() q: PageQuery) {
    const page = await this.views.stations(q.offset, q.limit);
    const connections = await connectionsOf((ids) => this.registry.presence(ids), page.items.map((s) => s['id'] as string));
    return { ...page, items: page.items.map((s, i) => ({ ...s, ...connections[i] })) };
  }

  @Get(':stationId')
  @ApiOperation({ summary: 'A station with its connectors, capabilities, local list, transfers and availability (the latest ChangeAvailability per connector, with its answer and whether the connector has reported it since)' })
  @ApiOkResponse({ description: 'The station', schema: STATION_SCHEMA })
  @ApiNotFoundResponse({ description: 'No station with this id' })
  async get(@Param() { stationId }: StationIdParam) {
    const station = await this.views.station(stationId);
    if (!station) throw stationNotFound(stationId);
    const [connection] = await connectionsOf((ids) => this.registry.presence(ids), [stationId]);
    return { ...station, ...connection };
  }

  @Put(':stationId')
  @ApiOperation({ summary: 'Register or update a station (registration status, validation policy, security profile, password)' })
  @ApiUpsertResponses('station', STATION_SCHEMA)
  @ApiInvalidRequest(
    'A station id no charger could connect with under the current setting (OCPP_LEGACY_IDENTITIES off: 1–48 of A–Z a–z 0–9 * - _ = + | @ .; on: 1–48 printable characters without : or /), an invalid field (a password outside 16–64 characters), or a security profile 1 or 2 without a password',
  )
  async upsert(@Param() { stationId }: StationIdParam, @Body() dto: UpsertStationDto, @Res({ passthrough: true }) res: Response) {
    const created = await this.admin.upsert(stationId, dto);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return this.get({ stationId });
  }

  @Delete(':stationId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a station (and what is stored of it)' })
  @ApiDeleted('station')
  async remove(@Param() { stationId }: StationIdParam): Promise<void> {
    if (!(await this.admin.remove(stationId))) throw stationNotFound(stationId);
  }

  @Get(':stationId/meter-values')
  @ApiOperation({
    summary: 'Sampled values, oldest first',
    description: `Page through them with \`after\`: each page's \`next\` names where it ended (null on the last page). \`offset\` is kept up to ${METER_VALUE_MAX_OFFSET}: a page there reads every sample before it`,
  })
  @ApiOkResponse({ description: 'Sampled values, oldest first', schema: METER_VALUE_PAGE_SCHEMA })
  @ApiInvalidRequest(
    `A from or to that is not an ISO 8601 date-time with a time zone, to before from, a transactionId or limit out of range, an offset past ${METER_VALUE_MAX_OFFSET}, an after that is no page's next or comes with an offset`,
  )
  @ApiNotFoundResponse({ description: NO_STATION })
  meterValues(@Param() { stationId }: StationIdParam, @Query() q: MeterValueQuery) {
    return this.stationViews.meterValues({ stationId, ...q });
  }

  @Get(':stationId/charging-profiles')
  @ApiOperation({ summary: 'Charging profiles: desired (from the planner) versus applied (accepted by the charger)' })
  @ApiNotFoundResponse({ description: NO_STATION })
  @ApiOkResponse({ description: 'Every profile of the station (not paged: a few per connector)', schema: { type: 'array', items: CHARGING_PROFILE_SCHEMA } })
  chargingProfiles(@Param() { stationId }: StationIdParam) {
    return this.stationViews.chargingProfiles(stationId);
  }

  @Get(':stationId/operator-profiles')
  @ApiOperation({
    summary:
      "Charging profiles installed by commands from outside (an operator's SetChargingProfile over REST or the bus), as the charger accepted them; gone when a ClearChargingProfile removed them (or the charger answered Unknown), a TxProfile when its transaction ended. Smart charging's own are under charging-profiles",
  })
  @ApiNotFoundResponse({ description: NO_STATION })
  @ApiOkResponse({ description: 'Every such profile of the station (not paged: a few per connector)', schema: { type: 'array', items: OPERATOR_PROFILE_SCHEMA } })
  operatorProfiles(@Param() { stationId }: StationIdParam) {
    return this.stationViews.operatorProfiles(stationId);
  }

  @Get(':stationId/remote-starts')
  @ApiOperation({ summary: 'Remote starts: Started (with the transaction, also one that came after the timeout), still Requested/Accepted, Rejected, Failed, or TimedOut' })
  @ApiPageResponse('Remote starts, newest first', REMOTE_START_SCHEMA)
  @ApiInvalidRequest(BAD_PAGE)
  @ApiNotFoundResponse({ description: NO_STATION })
  remoteStarts(@Param() { stationId }: StationIdParam, @Query() q: PageQuery) {
    return this.stationViews.remoteStarts(stationId, q.offset, q.limit);
  }

  @Get(':stationId/messages')
  @ApiOperation({ summary: 'Messages kept as the station sent them: DataTransfer, firmware/diagnostics/log status, security events, certificate signing requests' })
  @ApiPageResponse('Messages, newest first', STATION_MESSAGE_SCHEMA)
  @ApiInvalidRequest(`${BAD_PAGE}, or a kind empty or over 64 characters`)
  @ApiNotFoundResponse({ description: NO_STATION })
  messages(@Param() { stationId }: StationIdParam, @Query() q: StationMessageQuery) {
    return this.stationViews.messages(stationId, q.kind, q.offset, q.limit);
  }

  @Get(':stationId/rejected-frames')
  @ApiPageResponse('Frames that could not be processed, with the reason, newest first', REJECTED_FRAME_SCHEMA)
  @ApiInvalidRequest(BAD_PAGE)
  @ApiNotFoundResponse({ description: NO_STATION })
  rejectedFrames(@Param() { stationId }: StationIdParam, @Query() q: PageQuery) {
    return this.stationViews.rejectedFrames(stationId, q.offset, q.limit);
  }
}
