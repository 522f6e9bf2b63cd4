import { Body, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation } from '@nestjs/swagger';
import { NotFoundError, OperatorController } from '@cpo/platform';
import { groupBodySchema, stationBodySchema } from './topology-openapi.js';
import { TopologyRepository } from './topology.repository.js';
import { TopologyService } from './topology.service.js';

/** Groups (OSCP groups with their contract), their stations and connectors. Bodies are validated with the topology schema (400 with field messages). */
@OperatorController('groups')
export class TopologyController {
  constructor(
    private readonly topology: TopologyService,
    private readonly repository: TopologyRepository,
  ) {}

  @Get()
  list() {
    return this.repository.groups();
  }

  @Get(':groupId')
  async get(@Param('groupId') groupId: string) {
    const group = await this.repository.group(groupId);
    if (!group) throw new NotFoundError(`group ${groupId} not found`);
    return group;
  }

  @Put(':groupId')
  @ApiOperation({ summary: 'Create or replace a group (contract kW, voltage, phases, margin, time zone, stations, generation sources)' })
  @ApiBody({ schema: groupBodySchema })
  async put(@Param('groupId') groupId: string, @Body() body: Record<string, unknown>) {
    await this.topology.putGroup({ ...body, groupId });
    return this.get(groupId);
  }

  @Delete(':groupId')
  @HttpCode(204)
  async remove(@Param('groupId') groupId: string): Promise<void> {
    await this.topology.removeGroup(groupId);
  }

  @Put(':groupId/stations/:stationId')
  @ApiOperation({ summary: 'Assign a station to the group (max current, phases, priority, connectors)' })
  @ApiBody({ schema: stationBodySchema })
  async putStation(@Param('groupId') groupId: string, @Param('stationId') stationId: string, @Body() body: Record<string, unknown>) {
    await this.topology.putStation(groupId, { ...body, stationId });
    return this.get(groupId);
  }

  @Delete(':groupId/stations/:stationId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the station from this group (404 when the group is unknown or the station is not in it)' })
  async removeStation(@Param('groupId') groupId: string, @Param('stationId') stationId: string): Promise<void> {
    await this.topology.removeStation(groupId, stationId);
  }
}
