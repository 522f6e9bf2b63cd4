import { Module } from '@nestjs/common';
import { CapacityModule } from '../capacity/capacity.module.js';
import { TopologyModule } from '../topology/topology.module.js';
import { AdjustOutcomeService } from './adjust-outcome.service.js';
import { AdjustController } from './adjust.controller.js';
import { AdjustRepository } from './adjust.repository.js';
import { AdjustService } from './adjust.service.js';

/** Operator-forced extra-capacity requests and the outcome (granted/requested) of every request. */
@Module({
  imports: [TopologyModule, CapacityModule],
  controllers: [AdjustController],
  providers: [AdjustRepository, AdjustService, AdjustOutcomeService],
})
export class AdjustModule {}
