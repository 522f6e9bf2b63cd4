import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { CommandService } from './command.service.js';
import { BulkCommandsController, CommandsController } from './commands.controller.js';

@Module({
  imports: [ConnectionModule],
  controllers: [CommandsController, BulkCommandsController],
  providers: [CommandService],
  exports: [CommandService],
})
export class CommandsModule {}
