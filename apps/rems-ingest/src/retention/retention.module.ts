import { Module } from '@nestjs/common';
import { RetentionJob } from './retention.job.js';
import { RetentionRepository } from './retention.repository.js';

/** Deletes raw frames and refresh tokens past their retention. */
@Module({
  providers: [RetentionRepository, RetentionJob],
  exports: [RetentionJob],
})
export class RetentionModule {}
