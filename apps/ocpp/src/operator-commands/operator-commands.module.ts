import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { SmartChargingModule } from '../smart-charging/smart-charging.module.js';
import { ConnectorCounts } from './connector-counts.js';
import { BulkCommandsController, CommandsController } from './operator-commands.controller.js';
import { OperatorCommands } from './operator-commands.service.js';
import { OperatorRuleChecks } from './operator-rule-checks.js';
import { UnknownStations } from './unknown-stations.js';

/** The operators' REST commands, and the rules that protect the grid limits for them and for commands from outside over the bus. */
@Module({
  imports: [CommandsModule, ConnectionModule, SmartChargingModule],
  controllers: [CommandsController, BulkCommandsController],
  providers: [OperatorCommands, OperatorRuleChecks, UnknownStations, ConnectorCounts],
})
export class OperatorCommandsModule {}
