import { Body, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Patch, Put, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import type { Response } from 'express';
import { AuthorizationService } from '../authorization/authorization.service.js';
import { IdTagRepository, type IdTagRecord } from '../authorization/id-tag.repository.js';
import { LocalListSync } from '../authorization/local-list-sync.js';
import { ReservationListRepository } from '../reservations/reservation-list.repository.js';
import { ApiDeleted, ApiIdTagResponse, ApiInvalidRequest, ApiPageResponse, ApiUpsertResponses, ID_TAG_SCHEMA } from './api-responses.js';
import { RESERVATION_SCHEMA, TRANSACTION_SCHEMA } from './row-schemas.js';
import { IdTagParam, PageQuery, PatchIdTagDto, ReservationQuery, TransactionQuery, UpsertIdTagDto } from './dto.js';
import { ViewsRepository } from './views.repository.js';

/** Transactions with their energy, filterable by station, token and time. */
@OperatorController('transactions')
export class TransactionsController {
  constructor(private readonly views: ViewsRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Transactions (newest first) with energy in Wh',
    description:
      'energyWh: the energy settled at the stop (meterStop − meterStart; a register that restarted during the session counted segment by segment over its Energy.Active.Import.Register readings, Outlet, no phase); while running, the same rule up to its latest such reading, null before one. ' +
      'stopLost: the StopTransaction never came but the session is over (a later start, or Available/Preparing/Reserved/Finishing on its connector since, or Unavailable after a reboot or an Inoperative ChangeAvailability): not active',
  })
  @ApiPageResponse('Transactions, newest first', TRANSACTION_SCHEMA)
  @ApiInvalidRequest('A filter no transaction can match (an empty or too long stationId or idTag, a time that is not ISO 8601 with a time zone, to before from, activeTo before activeFrom), or an offset or limit out of range')
  list(@Query() q: TransactionQuery) {
    return this.views.transactions(q);
  }
}

/** Local authorisation tokens (the source of Authorize answers and of local lists). */
@OperatorController('id-tags')
export class IdTagsController {
  constructor(
    private readonly tags: IdTagRepository,
    private readonly auth: AuthorizationService,
    private readonly lists: LocalListSync,
  ) {}

  /**
   * The token as stored, with `effectiveStatus`: what Authorize answers for it now (the
   * authorization service's own rule). The stored `status` of a token past its expiryDate stays
   * `Accepted`, which listed it as usable while every charger was told `Expired`.
   */
  private shown(tag: IdTagRecord, now: Date) {
    return { ...tag, effectiveStatus: this.auth.fromLocal(tag, now).status };
  }

  @Get()
  @ApiPageResponse('Tokens by id', ID_TAG_SCHEMA)
  @ApiInvalidRequest('An offset or limit out of range')
  async list(@Query() q: PageQuery) {
    const page = await this.tags.list(q.offset, q.limit);
    const now = new Date();
    return { items: page.items.map((tag) => this.shown(tag, now)), total: page.total, offset: q.offset, limit: q.limit };
  }

  @Get(':idTag')
  @ApiIdTagResponse()
  async get(@Param() p: IdTagParam) {
    // The record Authorize answers with (IdTagRepository.find): where spellings stored before tokens
    // were compared without case differ, the exact one, else the one changed last; findMany's first
    // in sort order showed another spelling's status than the charger was given.
    const tag = await this.tags.find(p.idTag);
    if (!tag) throw new NotFoundException(`id tag ${p.idTag} not found`);
    return this.shown(tag, new Date());
  }

  @Put(':idTag')
  @ApiOperation({ summary: 'Create or replace a token', description: 'A full replacement: a field left out takes its default (status Accepted, no expiryDate, no parentIdTag). To change some fields only, PATCH.' })
  @ApiUpsertResponses('token', ID_TAG_SCHEMA)
  @ApiInvalidRequest('An idTag or parentIdTag that is not 1–20 characters, an unknown status, an expiryDate that is not ISO 8601 with a time zone')
  async upsert(@Param() p: IdTagParam, @Body() dto: UpsertIdTagDto, @Res({ passthrough: true }) res: Response) {
    const { tag, created } = await this.tags.upsert({ idTag: p.idTag, status: dto.status, expiryDate: dto.expiryDate ?? null, parentIdTag: dto.parentIdTag ?? null });
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    // The change is committed; the chargers' lists holding the token follow in the background (never rejects, logs failures).
    void this.lists.tokenChanged(tag.idTag);
    return this.shown(tag, new Date());
  }

  @Patch(':idTag')
  @ApiOperation({ summary: 'Change some fields of a token', description: 'Only the fields given change; null clears expiryDate or parentIdTag. 404 for a token not stored.' })
  @ApiIdTagResponse()
  @ApiInvalidRequest('An idTag or parentIdTag that is not 1–20 characters, an unknown or null status, an expiryDate that is not ISO 8601 with a time zone')
  async patch(@Param() p: IdTagParam, @Body() dto: PatchIdTagDto) {
    const changes = Object.fromEntries(Object.entries({ status: dto.status, expiryDate: dto.expiryDate, parentIdTag: dto.parentIdTag }).filter(([, v]) => v !== undefined));
    const tag = await this.tags.patch(p.idTag, changes);
    if (!tag) throw new NotFoundException(`id tag ${p.idTag} not found`);
    // As for PUT: the lists holding the token follow in the background.
    void this.lists.tokenChanged(tag.idTag);
    return this.shown(tag, new Date());
  }

  @Delete(':idTag')
  @HttpCode(204)
  @ApiDeleted('token')
  async remove(@Param() p: IdTagParam): Promise<void> {
    if (!(await this.tags.remove(p.idTag))) throw new NotFoundException(`id tag ${p.idTag} not found`);
    void this.lists.tokenChanged(p.idTag);
  }
}

/** Reservations made with ReserveNow and their outcome. */
@OperatorController('reservations')
export class ReservationsController {
  constructor(private readonly reservations: ReservationListRepository) {}

  @Get()
  @ApiPageResponse('Reservations, newest first', RESERVATION_SCHEMA)
  @ApiInvalidRequest('An empty or too long stationId, or an offset or limit out of range')
  async list(@Query() q: ReservationQuery) {
    return { ...(await this.reservations.list(q)), offset: q.offset, limit: q.limit };
  }
}
