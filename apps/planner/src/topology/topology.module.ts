import { Module } from '@nestjs/common';
import { TopologyController } from './topology.controller.js';
import { TopologyRepository } from './topology.repository.js';
import { TopologyService } from './topology.service.js';

@Module({
  controllers: [TopologyController],
  providers: [TopologyRepository, TopologyService],
  exports: [TopologyRepository, TopologyService],
})
export class TopologyModule {}
