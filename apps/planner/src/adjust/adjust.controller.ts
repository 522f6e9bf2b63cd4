import { Body, Get, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { ADJUST_BLOCK_COUNT } from '@cpo/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, MaxLength, Min, MinLength } from 'class-validator';
import { AdjustOutcomeService } from './adjust-outcome.service.js';
import { AdjustService } from './adjust.service.js';

/** Tomorrow's request with the operator's own hourly values. */
export class ForceAdjustDto {
  @ApiProperty({ description: '24 whole kW values for 00:00–24:00 Asia/Taipei of tomorrow, each ≤ the contract capacity', type: [Number], example: Array.from({ length: 24 }, () => 60) })
  @IsArray()
  @ArrayMinSize(ADJUST_BLOCK_COUNT, { message: `blocksKw must hold exactly ${ADJUST_BLOCK_COUNT} hourly values` })
  @ArrayMaxSize(ADJUST_BLOCK_COUNT, { message: `blocksKw must hold exactly ${ADJUST_BLOCK_COUNT} hourly values` })
  @IsInt({ each: true, message: 'each of blocksKw must be a whole number of kW' })
  @Min(0, { each: true, message: 'each of blocksKw must be ≥ 0' })
  blocksKw!: number[];

  @ApiPropertyOptional({ description: 'Motive, kept in the audit trail (default: "requested by an operator")' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}

/** Extra-capacity requests forced by operators, and what the capacity provider granted. */
@OperatorController('groups')
export class AdjustController {
  constructor(
    private readonly adjust: AdjustService,
    private readonly outcomes: AdjustOutcomeService,
  ) {}

  @Post(':groupId/adjust-requests/manual')
  @ApiOperation({
    summary:
      "Send tomorrow's extra-capacity request now with these hourly values (before the cut-off; 409 if a request was already sent " +
      "today — one per day — or after the cut-off). Replaces the daily job's \"no request\" decision.",
  })
  force(@Param('groupId') groupId: string, @Body() body: ForceAdjustDto) {
    return this.adjust.force(groupId, body.blocksKw, body.reason);
  }

  @Get(':groupId/adjust-outcomes')
  @ApiOperation({ summary: 'Per requested day: the reply (or none by 16:10), granted vs requested per hour, the granted/requested ratio and the share of the extra granted' })
  list(@Param('groupId') groupId: string) {
    return this.outcomes.outcomes(groupId);
  }
}
