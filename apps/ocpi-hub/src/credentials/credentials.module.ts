import { Module } from '@nestjs/common';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsService } from './credentials.service.js';
import { VersionsController } from './versions.controller.js';

/** Versions, version details and the credentials handshake. */
@Module({ controllers: [VersionsController, CredentialsController], providers: [CredentialsService] })
export class CredentialsModule {}
