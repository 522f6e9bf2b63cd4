import { Module } from '@nestjs/common';
import { ChargerCommits } from './charger-commits.js';
import { DeferredWorkLimit } from './deferred-work.js';

/** The group commit shared by the charger-message features (one instance for the replica), and deferred work's share of the pool. */
@Module({
  providers: [ChargerCommits, DeferredWorkLimit],
  exports: [ChargerCommits],
})
export class PersistenceModule {}
