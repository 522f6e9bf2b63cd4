import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ConfigurationEffects } from './configuration.effects.js';
import { Onboarding } from './onboarding.js';
import { SecurityHandlers } from './security.handlers.js';
import { StationHandlers } from './station.handlers.js';
import { StationService } from './station.service.js';

@Module({
  imports: [ConnectionModule, PersistenceModule],
  providers: [StationService, StationHandlers, SecurityHandlers, ConfigurationEffects, Onboarding],
  exports: [StationService],
})
export class StationsModule {}
