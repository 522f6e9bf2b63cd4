import { Module } from '@nestjs/common';
import { ConnectionModule } from '../connection/connection.module.js';
import { AuthorizationService } from './authorization.service.js';
import { IdTagRepository } from './id-tag.repository.js';
import { LocalListEffects } from './local-list.effects.js';
import { LocalListRepository } from './local-list.repository.js';

@Module({
  imports: [ConnectionModule],
  providers: [IdTagRepository, AuthorizationService, LocalListRepository, LocalListEffects],
  exports: [IdTagRepository, AuthorizationService],
})
export class AuthorizationModule {}
