import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ComplianceWatchModule } from '../compliance/compliance-watch.module.js';
import { TopologyModule } from '../topology/topology.module.js';
import { PlanScheduler } from './plan-scheduler.js';
import { PlanningMetrics } from './planning-metrics.js';
import { PlanningViewsRepository } from './planning-views.repository.js';
import { PlanningController } from './planning.controller.js';
import { PlanningRepository } from './planning.repository.js';
import { PlanningService } from './planning.service.js';

/** The planning loop: limits and sessions in, `planner.station-limits.planned` out. */
@Module({
  imports: [TopologyModule, CapacityModule, ComplianceWatchModule],
  controllers: [PlanningController],
  providers: [PlanningRepository, PlanningViewsRepository, PlanningService, PlanScheduler, PlanningMetrics],
  exports: [PlanningRepository],
})
export class PlanningModule {}
