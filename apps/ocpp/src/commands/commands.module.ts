import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { StationConfigurationRepository } from '../stations/station-configuration.repository.js';
import { CommandService } from './command.service.js';
import { StationLimitChecks } from './station-limit-checks.js';

@Module({
  imports: [ConnectionModule],
  providers: [CommandService, StationConfigurationRepository, StationLimitChecks],
  exports: [CommandService],
})
export class CommandsModule {}
