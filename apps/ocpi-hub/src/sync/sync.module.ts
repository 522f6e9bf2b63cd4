import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { SyncController } from './sync.controller.js';
import { SyncJob } from './sync.job.js';
import { SyncService } from './sync.service.js';

/** Pulls of partners' Sender data: nightly (delta / weekly full) and on operator request. */
@Module({ imports: [ObjectsModule], controllers: [SyncController], providers: [SyncService, SyncJob] })
export class SyncModule {}
