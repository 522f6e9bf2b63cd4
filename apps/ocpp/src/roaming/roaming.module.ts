import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { CommandsModule } from '../commands/commands.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { ReservationsModule } from '../reservations/reservations.module.js';
import { TransactionsModule } from '../transactions/transactions.module.js';
import { OcpiCommandRepository } from './ocpi-command.repository.js';
import { OcpiCommandsConsumer } from './ocpi-commands.consumer.js';
import { StaleOcpiCommands } from './stale-ocpi-commands.js';

/** Our chargers as a roaming CPO: OCPI commands from ocpi-hub executed over OCPP. */
@Module({
  imports: [AuthorizationModule, CommandsModule, ConnectionModule, ReservationsModule, TransactionsModule],
  providers: [OcpiCommandRepository, OcpiCommandsConsumer, StaleOcpiCommands],
})
export class RoamingModule {}
