import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { OperatorProfilesEffects } from './operator-profiles.effects.js';
import { OperatorProfilesRepository } from './operator-profiles.repository.js';

/** The charging profiles commands from outside installed on the chargers (shown in the station views). */
@Module({
  imports: [ConnectionModule],
  providers: [OperatorProfilesRepository, OperatorProfilesEffects],
  exports: [OperatorProfilesRepository],
})
export class OperatorProfilesModule {}
