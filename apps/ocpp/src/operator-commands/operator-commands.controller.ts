import { Body, HttpCode, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import { MAX_OCPP_COMMAND_TIMEOUT_MS, type OcppCommandReply } from '@cpo/contracts';
import { markUpstreamOutcome, OperatorController, ValidationError } from '@cpo/platform';
import { CS_ACTIONS_16, isCsAction16, type CsAction16 } from '@cpo/ocpp-protocol';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { reportsCharger } from '../commands/command-reply.http.js';
import { IsStationIdList } from '../commands/station-id.js';
import { ApiBulkReplies, ApiCommandBody, ApiCommandReplies, BulkCommandProperty } from './command-openapi.js';
import { OperatorCommands } from './operator-commands.service.js';
import { operatorHttpStatus } from './unknown-stations.js';

const TIMEOUT_RULE = `must be an integer between 1 and ${MAX_OCPP_COMMAND_TIMEOUT_MS}`;

export class BulkCommandDto {
  @BulkCommandProperty.stationIds()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsStationIdList()
  stationIds!: string[];

  @BulkCommandProperty.action()
  @IsIn([...CS_ACTIONS_16])
  action!: CsAction16;

  @BulkCommandProperty.payload()
  @IsObject()
  payload!: Record<string, unknown>;

  // A JSON number only: converted, `true` became 1 ms (the command sent, then reported Timeout) and "100" passed.
  @BulkCommandProperty.timeoutMs()
  @IsOptional()
  @IsInt({ message: `timeoutMs ${TIMEOUT_RULE}` })
  @Min(1, { message: `timeoutMs ${TIMEOUT_RULE}` })
  @Max(MAX_OCPP_COMMAND_TIMEOUT_MS, { message: `timeoutMs ${TIMEOUT_RULE}` })
  timeoutMs?: number;
}

/** A bad `?timeoutMs=` named in the details, as a payload's fields are (Nest's own pipe names no field). */
const timeoutMsPipe = new ParseIntPipe({ optional: true, exceptionFactory: () => new ValidationError(`timeoutMs ${TIMEOUT_RULE}`, { timeoutMs: TIMEOUT_RULE }) });

function checkedTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value < 1 || value > MAX_OCPP_COMMAND_TIMEOUT_MS) throw new ValidationError(`timeoutMs ${TIMEOUT_RULE}`, { timeoutMs: TIMEOUT_RULE });
  return value;
}

/** Operator commands to chargers (any replica; the one holding the socket executes them). */
@OperatorController('stations', 'commands')
export class CommandsController {
  constructor(private readonly commands: OperatorCommands) {}

  @Post(':stationId/commands/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send an OCPP 1.6 command to a station and return its answer or a typed error' })
  @ApiParam({ name: 'action', enum: CS_ACTIONS_16 })
  @ApiQuery({ name: 'timeoutMs', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_OCPP_COMMAND_TIMEOUT_MS }, description: "How long to wait for the charger's answer; absent = OCPP_CALL_TIMEOUT_MS" })
  @ApiCommandBody()
  @ApiCommandReplies()
  async send(
    @Param('stationId') stationId: string,
    @Param('action') action: string,
    @Body() payload: Record<string, unknown>,
    @Res() res: Response,
    @Query('timeoutMs', timeoutMsPipe) timeoutMs?: number,
  ): Promise<void> {
    if (!isCsAction16(action)) throw new ValidationError(`unknown action ${action}`, { action: `must be one of ${CS_ACTIONS_16.join(', ')}` });
    const body = payload ?? {};
    const reply = await this.commands.send(stationId, { action, payload: body, timeoutMs: checkedTimeout(timeoutMs) });
    const status = operatorHttpStatus(reply);
    // The charger's 502/503/504 (its CallError, offline, silent), not this service's: logged at warn, left out of the 5xx alert.
    if (reportsCharger(reply)) markUpstreamOutcome(res);
    res.status(status).json(reply);
  }
}

/** The same command to many stations, with one result per station. */
@OperatorController('commands', 'commands')
export class BulkCommandsController {
  constructor(private readonly commands: OperatorCommands) {}

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one command to many stations; per-station results' })
  @ApiBulkReplies()
  async bulk(@Body() dto: BulkCommandDto): Promise<{ results: ({ stationId: string } & OcppCommandReply)[] }> {
    const results = await this.commands.sendMany([...new Set(dto.stationIds)], { action: dto.action, payload: dto.payload, timeoutMs: dto.timeoutMs });
    return { results: results.map((r) => ({ stationId: r.stationId, ...r.reply })) };
  }
}

