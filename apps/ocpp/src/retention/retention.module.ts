import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { RetentionJob } from './retention.job.js';
import { RetentionRepository } from './retention.repository.js';

/** Deletes meter readings and charger diagnostics past their retention (an hourly job, one replica at a time). */
@Module({
  imports: [ConnectionModule],
  providers: [RetentionRepository, RetentionJob],
  exports: [RetentionJob],
})
export class RetentionModule {}
