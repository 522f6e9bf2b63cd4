import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { LocationsController } from './locations.controller.js';

/** The Locations module of both versions and both interfaces. */
@Module({ imports: [ObjectsModule], controllers: [LocationsController] })
export class LocationsModule {}
