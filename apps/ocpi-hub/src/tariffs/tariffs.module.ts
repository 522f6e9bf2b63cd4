import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { TariffsController } from './tariffs.controller.js';

/** The Tariffs module of both versions and both interfaces. */
@Module({ imports: [ObjectsModule], controllers: [TariffsController] })
export class TariffsModule {}
