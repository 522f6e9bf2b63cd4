import { Module } from '@nestjs/common';
import { BroadcastService } from './broadcast.service.js';
import { DirectForwarder } from './direct-forwarder.js';
import { ObjectsRepository } from './objects.repository.js';
import { PushService } from './push.service.js';
import { ReadService } from './read.service.js';

/** The object cache with its push (receiver), read (sender) and broadcast rules, shared by the modules. */
@Module({
  providers: [ObjectsRepository, BroadcastService, DirectForwarder, PushService, ReadService],
  exports: [ObjectsRepository, BroadcastService, PushService, ReadService, DirectForwarder],
})
export class ObjectsModule {}
