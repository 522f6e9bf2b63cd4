import { Module } from '@nestjs/common';
import { MeterModule } from '../meter/meter.module.js';
import { TransceiversModule } from '../transceivers/transceivers.module.js';
import { AdminController } from './admin.controller.js';
import { AdminRepository } from './admin.repository.js';
import { AdminService } from './admin.service.js';
import { ImportService } from './import.service.js';

/** Operator API: plants, transceivers, modules, device models, firmware, bulk import. */
@Module({ imports: [MeterModule, TransceiversModule], controllers: [AdminController], providers: [AdminRepository, AdminService, ImportService] })
export class AdminModule {}
