import { Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';
import { NotFoundError, OperatorController, QueryInt } from '@cpo/platform';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { TopologyRepository } from '../topology/topology.repository.js';
import { PlanScheduler } from './plan-scheduler.js';
import { PlanningViewsRepository } from './planning-views.repository.js';

export class PlanHistoryQuery {
  @ApiPropertyOptional({ default: 100 }) @IsOptional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() stationId?: string;
}

/** The planning loop as operators see it: who gets what and why, what was sent, and a manual re-plan. */
@OperatorController('groups')
export class PlanningController {
  constructor(
    private readonly views: PlanningViewsRepository,
    private readonly topology: TopologyRepository,
    private readonly scheduler: PlanScheduler,
  ) {}

  @Get(':groupId/allocation')
  @ApiOperation({ summary: 'The current allocation per station/connector with its reason, and the last round of the group' })
  async allocation(@Param('groupId') groupId: string) {
    await this.known(groupId);
    const [round, connectors] = await Promise.all([this.views.roundOf(groupId), this.views.allocation(groupId)]);
    return { groupId, round: round ?? null, connectors };
  }

  @Get(':groupId/plans')
  @ApiOperation({ summary: 'Plans published for the group (newest first) with the chargers\' answers' })
  async plans(@Param('groupId') groupId: string, @Query() query: PlanHistoryQuery) {
    await this.known(groupId);
    return this.views.plans(groupId, query.limit ?? 100, query.stationId);
  }

  @Post(':groupId/replan')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-plan the group now and return what the round did' })
  async replan(@Param('groupId') groupId: string) {
    const summary = await this.scheduler.planNow(groupId, 'operator');
    if (!summary) throw new NotFoundError(`group ${groupId} not found`);
    return summary;
  }

  private async known(groupId: string): Promise<void> {
    if (!(await this.topology.model(groupId))) throw new NotFoundError(`group ${groupId} not found`);
  }
}
