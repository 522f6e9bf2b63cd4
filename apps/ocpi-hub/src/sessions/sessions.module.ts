import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { RoutedPushService } from './routed-push.service.js';
import { SessionsController } from './sessions.controller.js';

/** Sessions and CDRs, routed to the single eMSP each belongs to. */
@Module({ imports: [ObjectsModule, TokensModule], controllers: [SessionsController], providers: [RoutedPushService] })
export class SessionsModule {}
