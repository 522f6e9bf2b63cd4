import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { ComplianceModule } from '../compliance-windows/compliance.module.js';
import { TopologyModule } from '../topology/topology.module.js';
import { CapacityRequestController } from './capacity-request.controller.js';
import { CapacityRequestRepository } from './capacity-request.repository.js';
import { CapacityRequestService } from './capacity-request.service.js';

/** Tomorrow's extra-capacity request from the demand history. */
@Module({
  imports: [TopologyModule, CapacityModule, ComplianceModule],
  controllers: [CapacityRequestController],
  providers: [CapacityRequestRepository, CapacityRequestService],
})
export class CapacityRequestModule {}
