import { Module } from '@nestjs/common';
import { ChargerCommits } from './charger-commits.js';

/** The group commit shared by the charger-message features (one instance for the replica). */
@Module({
  providers: [ChargerCommits],
  exports: [ChargerCommits],
})
export class PersistenceModule {}
