import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { TopologyModule } from '../topology/topology.module.js';
import { ComplianceWatchController } from './compliance-watch.controller.js';
import { ComplianceWatchRepository } from './compliance-watch.repository.js';
import { ComplianceWatchService } from './compliance-watch.service.js';

/** The live compliance window per group (budget, projection, adaptive margin) for operators, metrics and the planning loop. */
@Module({
  imports: [TopologyModule, CapacityModule],
  controllers: [ComplianceWatchController],
  providers: [ComplianceWatchRepository, ComplianceWatchService],
  exports: [ComplianceWatchService],
})
export class ComplianceWatchModule {}
