import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { CommandService } from './command.service.js';

@Module({
  imports: [ConnectionModule],
  providers: [CommandService],
  exports: [CommandService],
})
export class CommandsModule {}
