import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { RtaService } from './rta.service.js';
import { TokenRoutesRepository } from './token-routes.repository.js';
import { TokensController } from './tokens.controller.js';

/** Tokens of both versions and real-time authorisation. */
@Module({ imports: [ObjectsModule], controllers: [TokensController], providers: [RtaService, TokenRoutesRepository], exports: [RtaService, TokenRoutesRepository] })
export class TokensModule {}
