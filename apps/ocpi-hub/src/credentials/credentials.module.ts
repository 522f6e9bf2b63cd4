import { Module } from '@nestjs/common';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsService } from './credentials.service.js';
import { InitiatorController } from './initiator.controller.js';
import { InitiatorService } from './initiator.service.js';
import { VersionsController } from './versions.controller.js';

/** Versions, version details and the credentials handshake (the partner's, or the hub's as initiator). */
@Module({ controllers: [VersionsController, CredentialsController, InitiatorController], providers: [CredentialsService, InitiatorService] })
export class CredentialsModule {}
