import { Module } from '@nestjs/common';
import { TopologyModule } from '../topology/topology.module.js';
import { CapacityConsumer } from './capacity.consumer.js';
import { CapacityController } from './capacity.controller.js';
import { CapacityRepository } from './capacity.repository.js';
import { CapacityService } from './capacity.service.js';

/** Capacity forecasts and operator caps → the effective-limit timeline of each group. */
@Module({
  imports: [TopologyModule],
  controllers: [CapacityController],
  providers: [CapacityRepository, CapacityService, CapacityConsumer],
  exports: [CapacityService],
})
export class CapacityModule {}
