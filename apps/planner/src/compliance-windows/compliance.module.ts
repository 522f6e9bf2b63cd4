import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { TopologyModule } from '../topology/topology.module.js';
import { ComplianceController } from './compliance.controller.js';
import { ComplianceRepository } from './compliance.repository.js';
import { ComplianceService } from './compliance.service.js';

/** Group registers, compliance per window and the demand history the daily request forecasts from. */
@Module({
  imports: [TopologyModule, CapacityModule],
  controllers: [ComplianceController],
  providers: [ComplianceRepository, ComplianceService],
  exports: [ComplianceRepository],
})
export class ComplianceModule {}
