import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { CommandsController } from './commands.controller.js';
import { CommandsRepository } from './commands.repository.js';
import { CommandsService } from './commands.service.js';
import { CommandResultConsumer } from './command-result.consumer.js';
import { OwnCommandsService } from './own-commands.service.js';
import { ReservationRoutesRepository } from './reservation-routes.repository.js';

/** Commands routed to the owning CPO, with response_url rewriting and result relay. */
@Module({ imports: [ObjectsModule, TokensModule], controllers: [CommandsController], providers: [CommandsService, CommandsRepository, OwnCommandsService, ReservationRoutesRepository, CommandResultConsumer], exports: [CommandsService, CommandsRepository] })
export class CommandsModule {}
