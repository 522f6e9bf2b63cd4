import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcpiHubConfig } from './config.js';
import { ChargingProfilesModule } from './chargingprofiles/charging-profiles.module.js';
import { CommandsModule } from './commands/commands.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { OCPI_PERSONAL_DATA_IN_URLS } from './edge/log-redaction.js';
import { HubClientInfoModule } from './hubclientinfo/hubclientinfo.module.js';
import { LocationsModule } from './locations/locations.module.js';
import { migrations } from './migrations/index.js';
import { OwnCpoModule } from './own-cpo/own-cpo.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SyncModule } from './sync/sync.module.js';
import { TariffsModule } from './tariffs/tariffs.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { PartnersModule } from './partners/partners.module.js';

/** The OCPI hub: brokers locations, sessions, CDRs, tokens and commands between partners. */
@Module({})
export class AppModule {
  static forRoot(config: OcpiHubConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger, { personalDataInUrls: OCPI_PERSONAL_DATA_IN_URLS }),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MessagingModule.forRoot(),
        PartnersModule.forRoot(),
        CredentialsModule,
        LocationsModule,
        TokensModule,
        TariffsModule,
        SessionsModule,
        CommandsModule,
        ChargingProfilesModule,
        HubClientInfoModule,
        SyncModule,
        OwnCpoModule,
      ],
    };
  }
}

export const description = 'OCPI 2.1.1-d2 hub with 2.2.1 hub routing between CPOs and eMSPs.';
