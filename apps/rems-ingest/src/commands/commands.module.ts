import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TransceiversModule } from '../transceivers/transceivers.module.js';
import { CommandPublisher } from './command.publisher.js';
import { CommandRepository } from './command.repository.js';
import { CommandService } from './command.service.js';
import { FirmwareController } from './firmware.controller.js';

/** Control commands and firmware updates (5.6–5.11), published to devices over MQTT. */
@Module({
  imports: [AuthModule, TransceiversModule],
  controllers: [FirmwareController],
  providers: [CommandRepository, CommandService, CommandPublisher],
  exports: [CommandService],
})
export class CommandsModule {}
