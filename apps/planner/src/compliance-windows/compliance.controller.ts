import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { IsOptional, Matches } from 'class-validator';
import { CLOCK, type Clock } from '../clock.js';
import { taipeiDayOf } from '../timeline/index.js';
import { ComplianceService } from './compliance.service.js';

export class ComplianceQuery {
  @ApiPropertyOptional({ description: 'Asia/Taipei day, YYYY-MM-DD (default: today)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' })
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
