import { Module } from '@nestjs/common';
import { BroadcastService } from './broadcast.service.js';
import { DirectForwarder } from './direct-forwarder.js';
import { ObjectChanges } from './object-changes.js';
import { ObjectsRepository } from './objects.repository.js';
import { ObjectShaper } from './object-shaper.js';
import { PageCache } from './page-cache.js';
import { PushService } from './push.service.js';
import { ReadService } from './read.service.js';

/** The object cache with its push (receiver), read (sender) and broadcast rules, shared by the modules. */
@Module({
  providers: [ObjectChanges, PageCache, ObjectsRepository, ObjectShaper, BroadcastService, DirectForwarder, PushService, ReadService],
  exports: [ObjectsRepository, ObjectShaper, BroadcastService, PushService, ReadService, DirectForwarder],
})
export class ObjectsModule {}
