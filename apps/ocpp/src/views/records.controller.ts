import { Body, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, Put, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import type { Response } from 'express';
import { IdTagRepository } from '../authorization/id-tag.repository.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { ApiPageResponse, ApiUpsertResponses } from './api-responses.js';
import { IdTagParam, PageQuery, ReservationQuery, TransactionQuery, UpsertIdTagDto } from './dto.js';
import { ViewsRepository } from './views.repository.js';

/** Transactions with their energy, filterable by station, token and time. */
@OperatorController('transactions')
export class TransactionsController {
  constructor(private readonly views: ViewsRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Transactions (newest first) with energy in Wh',
    description: 'energyWh: meterStop − meterStart once stopped; while running, what its latest Energy.Active.Import.Register reading (Outlet, no phase) reports since the start, null before one',
  })
  @ApiPageResponse('Transactions, newest first')
  list(@Query() q: TransactionQuery) {
    return this.views.transactions(q);
  }
}

/** Local authorisation tokens (the source of Authorize answers and of local lists). */
@OperatorController('id-tags')
export class IdTagsController {
  constructor(private readonly tags: IdTagRepository) {}

  @Get()
  @ApiPageResponse('Tokens by id')
  async list(@Query() q: PageQuery) {
    return { ...(await this.tags.list(q.offset, q.limit)), offset: q.offset, limit: q.limit };
  }

  @Get(':idTag')
  async get(@Param() p: IdTagParam) {
    // The record Authorize answers with (IdTagRepository.find): where spellings stored before tokens
    // were compared without case differ, the exact one, else the one changed last; findMany's first
    // in sort order showed another spelling's status than the charger was given.
    const tag = await this.tags.find(p.idTag);
    if (!tag) throw new NotFoundException(`id tag ${p.idTag} not found`);
    return tag;
  }

  @Put(':idTag')
  @ApiOperation({ summary: 'Create or replace a token' })
  @ApiUpsertResponses('token')
  async upsert(@Param() p: IdTagParam, @Body() dto: UpsertIdTagDto, @Res({ passthrough: true }) res: Response) {
    const { tag, created } = await this.tags.upsert({ idTag: p.idTag, status: dto.status, expiryDate: dto.expiryDate ?? null, parentIdTag: dto.parentIdTag ?? null });
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return tag;
  }

  @Delete(':idTag')
  @HttpCode(204)
  async remove(@Param() p: IdTagParam): Promise<void> {
    if (!(await this.tags.remove(p.idTag))) throw new NotFoundException(`id tag ${p.idTag} not found`);
  }
}

/** Reservations made with ReserveNow and their outcome. */
@OperatorController('reservations')
export class ReservationsController {
  constructor(private readonly reservations: ReservationRepository) {}

  @Get()
  @ApiPageResponse('Reservations, newest first')
  async list(@Query() q: ReservationQuery) {
    return { ...(await this.reservations.list(q)), offset: q.offset, limit: q.limit };
  }
}
