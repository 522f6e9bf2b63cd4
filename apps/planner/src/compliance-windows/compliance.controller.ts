import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { CLOCK, type Clock } from '../clock.js';
import { taipeiDayOf } from '../timeline/index.js';
import { ComplianceService } from './compliance.service.js';

export class ComplianceQuery {
  @ApiPropertyOptional({ description: 'Asia/Taipei day, YYYY-MM-DD (default: today)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' })
  // A real calendar day: 2026-13-01 would otherwise fail later as a 500, and 2026-02-31 roll over to March.
  @IsISO8601({ strict: true }, { message: 'date must be a calendar day' })
  date?: string;
}

/** Measured group energy against what the effective limit allowed, per window. */
@OperatorController('groups')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':groupId/compliance')
  @ApiOperation({ summary: 'Compliance report of one Taipei day: each window\'s allowed and measured energy, verdict and limit sources' })
  report(@Param('groupId') groupId: string, @Query() query: ComplianceQuery) {
    return this.compliance.report(groupId, query.date ?? taipeiDayOf(this.clock.now()));
  }
}
