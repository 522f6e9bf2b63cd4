import { Get, Param } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { ComplianceWatchService, type WindowWatch } from './compliance-watch.service.js';

/** The compliance window in progress: used, projected, budget, headroom and the margin in force. */
@OperatorController('groups')
export class ComplianceWatchController {
  constructor(private readonly watch: ComplianceWatchService) {}

  @Get(':groupId/compliance/current')
  @ApiOperation({
    summary:
      'The compliance window in progress: energy used so far, projection at the present power, budget (1 − margin)·∫L dt, ' +
      'headroom, status (ok, at_risk, breached, unknown when metering is missing or stale) and the adaptive margin',
  })
  async current(@Param('groupId') groupId: string) {
    return view(await this.watch.status(groupId));
  }
}

const kw = (w: number | undefined) => (w === undefined ? null : Math.round(w) / 1000);
const kwh = kw;

function view(w: WindowWatch) {
  return {
    groupId: w.groupId,
    at: new Date(w.nowMs).toISOString(),
    window: { start: new Date(w.startMs).toISOString(), end: new Date(w.endMs).toISOString() },
    status: w.status,
    reason: w.reason,
    limitNowKw: kw(w.limitNowW),
    allowedKwh: kwh(w.allowedWh),
    allowedSoFarKwh: kwh(w.allowedSoFarWh),
    budgetKwh: kwh(w.budgetWh),
    usedKwh: kwh(w.usedWh),
    projectedKwh: kwh(w.projectedWh),
    powerNowKw: kw(w.powerNowW),
    headroomKw: kw(w.headroomW),
    meterAgeS: w.meterAgeMs === undefined ? null : Number.isFinite(w.meterAgeMs) ? Math.round(w.meterAgeMs / 1000) : 'never',
    baseMargin: w.baseMargin,
    margin: Math.round(w.margin * 10_000) / 10_000,
  };
}
