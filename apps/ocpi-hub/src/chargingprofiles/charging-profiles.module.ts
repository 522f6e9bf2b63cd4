import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { ObjectsModule } from '../objects/objects.module.js';
import { ChargingProfilesController } from './charging-profiles.controller.js';
import { ChargingProfilesService } from './charging-profiles.service.js';

/** Charging profiles (2.2.1 and the 2.1.1 custom module). */
@Module({ imports: [ObjectsModule, CommandsModule], controllers: [ChargingProfilesController], providers: [ChargingProfilesService] })
export class ChargingProfilesModule {}
