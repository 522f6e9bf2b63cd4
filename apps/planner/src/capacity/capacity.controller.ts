import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { DAY_MS } from '../timeline/index.js';
import { CapacityService } from './capacity.service.js';
import { CapParams, OperatorCapDto } from './operator-cap.dto.js';
import { parseInstant } from './instant.js';

/** A group's effective-limit timeline with the source of every interval, its operator caps and forecast alerts. */
@OperatorController('groups')
export class CapacityController {
  constructor(private readonly capacity: CapacityService) {}

  @Get(':groupId/timeline')
  @ApiOperation({ summary: 'Effective limit per interval and the source that set it (default: now until the end of tomorrow, 48 h)' })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  async timeline(@Param('groupId') groupId: string, @Query('from') from?: string, @Query('to') to?: string) {
    const fromMs = parseInstant(from, 'from') ?? Date.now();
    const toMs = parseInstant(to, 'to') ?? fromMs + 2 * DAY_MS;
    const segments = await this.capacity.timeline(groupId, fromMs, toMs);
    return {
      groupId,
      segments: segments.map((s) => ({
        start: new Date(s.startMs).toISOString(),
        end: new Date(s.endMs).toISOString(),
        limitKw: s.powerW / 1000,
        source: s.source.kind,
        requestId: s.source.requestId,
      })),
    };
  }

  @Get(':groupId/caps')
  async caps(@Param('groupId') groupId: string) {
    return (await this.capacity.caps(groupId)).map(capView);
  }

  @Post(':groupId/caps')
  @ApiOperation({ summary: 'Add an operator cap (re-plans the group at once)' })
  async addCap(@Param('groupId') groupId: string, @Body() body: OperatorCapDto) {
    const cap = await this.capacity.addCap(groupId, { startMs: body.start.getTime(), endMs: body.end?.getTime(), powerW: body.powerKw * 1000, reason: body.reason });
    return capView(cap);
  }

  @Delete(':groupId/caps/:capId')
  @HttpCode(204)
  async removeCap(@Param() params: CapParams): Promise<void> {
    await this.capacity.removeCap(params.groupId, params.capId);
  }

  @Get(':groupId/forecast-alerts')
  @ApiOperation({ summary: 'Forecasts the capacity provider did not deliver in time (newest first)' })
  alerts(@Param('groupId') groupId: string) {
    return this.capacity.alerts(groupId);
  }
}

function capView(cap: { id: string; startMs: number; endMs?: number; powerW: number; reason: string }) {
  return {
    id: cap.id,
    start: new Date(cap.startMs).toISOString(),
    end: cap.endMs === undefined ? undefined : new Date(cap.endMs).toISOString(),
    powerKw: cap.powerW / 1000,
    reason: cap.reason,
  };
}
