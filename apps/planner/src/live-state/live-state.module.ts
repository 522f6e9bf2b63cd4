import { Module } from '@nestjs/common';
import { GenerationConsumer } from './generation.consumer.js';
import { LiveStateRepository } from './live-state.repository.js';
import { OcppStateConsumer } from './ocpp-state.consumer.js';

@Module({
  providers: [LiveStateRepository, OcppStateConsumer, GenerationConsumer],
  exports: [LiveStateRepository],
})
export class LiveStateModule {}
