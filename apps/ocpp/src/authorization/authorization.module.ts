import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { AuthorizationService } from './authorization.service.js';
import { IdTagRepository } from './id-tag.repository.js';
import { LocalListRepair } from './local-list-repair.js';
import { LocalListSync } from './local-list-sync.js';
import { LocalListSyncRepository } from './local-list-sync.repository.js';
import { LocalListEffects } from './local-list.effects.js';
import { LocalListRepository } from './local-list.repository.js';

@Module({
  imports: [ConnectionModule, CommandsModule],
  providers: [IdTagRepository, AuthorizationService, LocalListRepository, LocalListEffects, LocalListSyncRepository, LocalListRepair, LocalListSync],
  exports: [IdTagRepository, AuthorizationService, LocalListSync],
})
export class AuthorizationModule {}
