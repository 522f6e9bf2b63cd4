import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@cpo/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@cpo/platform';
import type { Logger } from 'pino';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { CommandsModule } from './commands/commands.module.js';
import type { OcppConfig } from './config.js';
import { ConnectionModule } from './connection/connection.module.js';
import { DataTransferModule } from './data-transfer/data-transfer.module.js';
import { OCPP_PERSONAL_DATA_IN_URLS } from './log-redaction.js';
import { migrations } from './migrations/index.js';
import { OperatorCommandsModule } from './operator-commands/operator-commands.module.js';
import { OperatorProfilesModule } from './operator-profiles/operator-profiles.module.js';
import { ReservationsModule } from './reservations/reservations.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { RoamingModule } from './roaming/roaming.module.js';
import { SmartChargingModule } from './smart-charging/smart-charging.module.js';
import { StationsModule } from './stations/stations.module.js';
import { TransactionsModule } from './transactions/transactions.module.js';
import { ViewsModule } from './views/views.module.js';

/** The OCPP central system: chargers, their sessions and the limits they must obey. */
@Module({})
export class AppModule {
  static forRoot(config: OcppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger, { personalDataInUrls: OCPP_PERSONAL_DATA_IN_URLS }),
        DatabaseModule.forRoot({ migrations }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({ fastPublish: true }),
        ConnectionModule,
        StationsModule,
        AuthorizationModule,
        TransactionsModule,
        CommandsModule,
        ReservationsModule,
        SmartChargingModule,
        OperatorProfilesModule,
        OperatorCommandsModule,
        ViewsModule,
        RoamingModule,
        DataTransferModule,
        RetentionModule,
      ],
    };
  }
}

export const description = 'OCPP 1.6-J central system: chargers connect over WebSocket at /ocpp/{chargePointId}; operators command them here.';
