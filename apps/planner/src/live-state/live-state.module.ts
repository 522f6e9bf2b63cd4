import { Module } from '@nestjs/common';
import { LiveStateRepository } from './live-state.repository.js';
import { OcppStateConsumer } from './ocpp-state.consumer.js';

@Module({
  providers: [LiveStateRepository, OcppStateConsumer],
  exports: [LiveStateRepository],
})
export class LiveStateModule {}
